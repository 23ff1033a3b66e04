// The builder of a VM's first address space, in one explicit order: kernel image,
// direct map, per-CPU blocks, descriptor tables, the program and its stack, BootInfo.
// Everything is written into guest memory at host speed before the first instruction.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "burrow/abi/boot_info.h"
#include "loader/elf.h"
#include "loader/initial_stack.h"
#include "memory/guest_memory.h"
#include "result.h"

namespace burrow::run {

struct ProgramSpec {
  std::string host_path;        // absolute path of the executable on the host
  std::string execfn;           // the path as given (AT_EXECFN)
  std::span<const uint8_t> file;
  const loader::ElfImage* elf;
  std::vector<std::string> argv, envp;
  std::vector<loader::AuxEntry> cpu_auxv;  // AT_HWCAP, AT_HWCAP2, AT_MINSIGSTKSZ
  bool shim_user = false;                  // map the shim user-accessible (PVM)
  // The program's interpreter (PT_INTERP), when it has one.
  std::span<const uint8_t> interp_file;
  const loader::ElfImage* interp_elf = nullptr;
  // The monitor's handles for the two files (abi::kNoHandle: load every page now):
  // the guest reads untouched pages from them on demand.
  uint64_t file_handle = abi::kNoHandle;
  uint64_t interp_handle = abi::kNoHandle;
  std::string interp_host_path;  // for /proc/self/maps
};

struct AddressSpace {
  uint64_t cr3 = 0;
  uint64_t kernel_entry = 0;
  uint64_t gdt_virt = 0, idt_virt = 0;
  uint16_t gdt_limit = 0;
  std::vector<uint64_t> tss_virt;       // per vCPU
  std::vector<uint64_t> per_cpu_phys;   // per vCPU: the monitor's own copy (BootInfo is guest-writable)
  abi::BootInfo* boot = nullptr;   // in guest memory; the caller completes it
  // Where the images went: link-time address + bias = guest address.
  uint64_t program_bias = 0;
  uint64_t interp_bias = 0;  // when there is an interpreter
};

// Lays out everything; `boot` is partly filled (memory, regions, program entry and
// stack) and the caller adds time, identity and flags.
Result<AddressSpace> build_address_space(memory::GuestMemory& mem, std::span<const uint8_t> kernel_elf,
                                         uint32_t cpus, const ProgramSpec& program);

}  // namespace burrow::run
