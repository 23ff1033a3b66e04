// The answers of rewritten `cpuid` sites (entry.S fast_cpuid_entry): what KVM's CPUID
// emulation gives for the table the monitor set and read back (BootInfo::cpuid),
// including its rules for leaves the table lacks (kvm_cpuid() in Linux's
// arch/x86/kvm/cpuid.c). tests/integration checks them against trapped cpuid.
#include <cstdint>

#include "boot.h"

namespace burrow::kernel {
namespace {

const abi::CpuidEntry* find(uint32_t function, uint32_t index, bool any_index) {
  const abi::BootInfo& b = boot_info();
  for (uint32_t i = 0; i < b.cpuid_count && i < abi::kMaxCpuidEntries; ++i) {
    const abi::CpuidEntry& e = b.cpuid[i];
    if (e.function != function) continue;
    // The first entry of the function, unless the index selects among them.
    if (any_index || !(e.flags & abi::kCpuidSignificantIndex) || e.index == index) return &e;
  }
  return nullptr;
}

// "AuthenticAMD" / "HygonGenuine" in leaf 0's ebx, edx, ecx.
bool amd_like(const abi::CpuidEntry& leaf0) {
  return (leaf0.ebx == 0x68747541 && leaf0.edx == 0x69746e65 && leaf0.ecx == 0x444d4163) ||
         (leaf0.ebx == 0x6f677948 && leaf0.edx == 0x6e65476e && leaf0.ecx == 0x656e6975);
}

}  // namespace

// out: eax, ebx, ecx, edx.
extern "C" void cpuid_lookup(uint32_t function, uint32_t index, uint32_t* out) {
  if (boot_info().cpuid_count == 0) {
    // No table (more leaves than it holds): ask the CPU.
    asm volatile("cpuid" : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3]) : "a"(function), "c"(index));
    return;
  }
  const abi::CpuidEntry* e = find(function, index, false);
  if (!e) {
    // Intel's rule: a leaf beyond its class's maximum answers as the highest basic
    // leaf (with the index asked for). AMD answers zeros.
    const abi::CpuidEntry* basic = find(0, 0, true);
    if (basic && !amd_like(*basic)) {
      uint32_t class_leaf = function >= 0x40000000 && function <= 0x4fffffff ? function & 0xffffff00
                            : function >= 0xc0000000                      ? 0xc0000000
                                                                          : function & 0x80000000;
      const abi::CpuidEntry* cls = find(class_leaf, 0, true);
      if (!cls || function > cls->eax) {
        function = basic->eax;
        e = find(function, index, false);
      }
    }
  }
  if (e) {
    out[0] = e->eax;
    out[1] = e->ebx;
    out[2] = e->ecx;
    out[3] = e->edx;
    return;
  }
  out[0] = out[1] = out[2] = out[3] = 0;
  // Leaves 0xb and 0x1f, where implemented (subleaf 1 exists): ecx echoes the
  // subleaf, edx is the x2APIC ID, for any subleaf.
  if (function == 0xb || function == 0x1f) {
    if (const abi::CpuidEntry* one = find(function, 1, false)) {
      out[2] = index & 0xff;
      out[3] = one->edx;
    }
  }
}

}  // namespace burrow::kernel
