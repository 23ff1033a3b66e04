// Thin RAII wrappers over the Linux KVM API: the system handle, a VM and its vCPUs.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "result.h"

namespace burrow::kvm {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

class System {
 public:
  // Opens /dev/kvm and checks the API version and the capabilities Burrow needs.
  static Result<System> open();
  int fd() const { return fd_.get(); }
  int vcpu_mmap_size() const { return vcpu_mmap_size_; }
  // KVM_GET_SUPPORTED_CPUID.
  const std::vector<kvm_cpuid_entry2>& supported_cpuid() const { return cpuid_; }
  // True when /dev/kvm is PVM (KVM without hardware virtualization).
  bool is_pvm() const { return pvm_; }

 private:
  Fd fd_;
  int vcpu_mmap_size_ = 0;
  std::vector<kvm_cpuid_entry2> cpuid_;
  bool pvm_ = false;
};

class Vcpu {
 public:
  Vcpu(Fd fd, kvm_run* run, int mmap_size, uint32_t index);
  Vcpu(Vcpu&&) noexcept;
  Vcpu(const Vcpu&) = delete;
  ~Vcpu();

  Result<void> set_cpuid(const std::vector<kvm_cpuid_entry2>& entries);
  // KVM_GET_CPUID2: the entries as the vCPU answers CPUID now (with the bits that
  // follow CR4 and XCR0); an error (E2BIG) when there are more than max_entries.
  Result<std::vector<kvm_cpuid_entry2>> cpuid(size_t max_entries) const;
  Result<void> set_regs(const kvm_regs& regs);
  Result<kvm_regs> regs() const;
  Result<void> set_sregs(const kvm_sregs& sregs);
  Result<kvm_sregs> sregs() const;
  Result<void> set_msrs(const std::vector<kvm_msr_entry>& msrs);
  Result<uint64_t> msr(uint32_t index) const;
  Result<void> set_xcr0(uint64_t value);
  // KVM_GET_TSC_KHZ; 0 if the kernel does not say.
  uint64_t tsc_khz() const;
  // One KVM_RUN; returns -errno of the ioctl (EINTR is normal: a signal arrived).
  int run();
  // KVM's own counters for this vCPU (KVM_GET_STATS_FD: exits, pf_fixed,
  // insn_emulation, ...), by name; empty where the kernel has none.
  std::map<std::string, uint64_t> kvm_counters() const;
  kvm_run* run_state() const { return run_; }
  uint32_t index() const { return index_; }

 private:
  Fd fd_;
  kvm_run* run_;
  int mmap_size_;
  uint32_t index_;
};

class Vm {
 public:
  static Result<Vm> create(const System& sys);
  // Registers [guest_phys, guest_phys+size) backed by host memory at host_addr.
  Result<void> add_memory(uint32_t slot, uint64_t guest_phys, uint64_t size, void* host_addr);
  Result<Vcpu> create_vcpu(const System& sys, uint32_t index);

 private:
  Fd fd_;
};

}  // namespace burrow::kvm
