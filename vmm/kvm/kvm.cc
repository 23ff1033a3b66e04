// KVM API wrappers: every ioctl's failure becomes an Error that says what to do.
#include "kvm/kvm.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace burrow::kvm {
namespace {

// ABI: <linux/kvm.h> declares kvm_cpuid2 and kvm_msrs with __DECLARE_FLEX_ARRAY,
// which in C++ adds an empty member: sizeof and the entries' offset differ from C,
// and so do the ioctl numbers derived from them. Spell the C layout out instead.
struct CpuidHeader {
  uint32_t nent;
  uint32_t padding;
};
struct MsrsHeader {
  uint32_t nmsrs;
  uint32_t pad;
};
static_assert(sizeof(CpuidHeader) == 8 && sizeof(MsrsHeader) == 8);
constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, CpuidHeader);
constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, CpuidHeader);
constexpr unsigned long kGetCpuid2 = _IOWR(KVMIO, 0x91, CpuidHeader);
constexpr unsigned long kGetMsrs = _IOWR(KVMIO, 0x88, MsrsHeader);
constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, MsrsHeader);

template <class Header, class Entry>
struct FlexBuffer {
  explicit FlexBuffer(size_t n) : bytes(sizeof(Header) + n * sizeof(Entry)) {}
  Header* header() { return reinterpret_cast<Header*>(bytes.data()); }
  Entry* entries() { return reinterpret_cast<Entry*>(bytes.data() + sizeof(Header)); }
  std::vector<uint8_t> bytes;
};

Error ioctl_error(const char* what) {
  return make_error(ExitCode::kMonitorFailed, fmt::format("{}: {}", what, std::strerror(errno)));
}

}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<System> System::open() {
  System sys;
  int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT)
      return make_error(ExitCode::kMonitorFailed,
                        "/dev/kvm does not exist: enable virtualization (load kvm_intel, kvm_amd or kvm_pvm)");
    if (e == EACCES || e == EPERM)
      return make_error(ExitCode::kMonitorFailed,
                        "open /dev/kvm: Permission denied (add yourself to group kvm: sudo usermod -aG kvm $USER)");
    return make_error(ExitCode::kMonitorFailed, fmt::format("open /dev/kvm: {}", std::strerror(e)));
  }
  sys.fd_ = Fd(fd);
  if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
    return make_error(ExitCode::kMonitorFailed, "/dev/kvm speaks an unexpected KVM API version");
  for (int cap : {KVM_CAP_USER_MEMORY, KVM_CAP_EXT_CPUID}) {
    if (ioctl(fd, KVM_CHECK_EXTENSION, cap) <= 0)
      return make_error(ExitCode::kMonitorFailed, fmt::format("KVM lacks capability {}", cap));
  }
  sys.vcpu_mmap_size_ = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (sys.vcpu_mmap_size_ <= 0) return ioctl_error("KVM_GET_VCPU_MMAP_SIZE");

  for (uint32_t n = 64; n <= 4096; n *= 2) {
    FlexBuffer<CpuidHeader, kvm_cpuid_entry2> buf(n);
    buf.header()->nent = n;
    if (ioctl(fd, kGetSupportedCpuid, buf.bytes.data()) == 0) {
      sys.cpuid_.assign(buf.entries(), buf.entries() + buf.header()->nent);
      break;
    }
    if (errno != E2BIG) return ioctl_error("KVM_GET_SUPPORTED_CPUID");
  }
  struct stat st {};
  sys.pvm_ = ::stat("/sys/module/kvm_pvm", &st) == 0;
  return sys;
}

Result<Vm> Vm::create(const System& sys) {
  Vm vm;
  int fd = ioctl(sys.fd(), KVM_CREATE_VM, 0);
  if (fd < 0) return ioctl_error("KVM_CREATE_VM");
  vm.fd_ = Fd(fd);
  return vm;
}

Result<void> Vm::add_memory(uint32_t slot, uint64_t guest_phys, uint64_t size, void* host_addr) {
  kvm_userspace_memory_region r{};
  r.slot = slot;
  r.guest_phys_addr = guest_phys;
  r.memory_size = size;
  r.userspace_addr = reinterpret_cast<uint64_t>(host_addr);
  if (ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &r) < 0) return ioctl_error("KVM_SET_USER_MEMORY_REGION");
  return {};
}

Result<Vcpu> Vm::create_vcpu(const System& sys, uint32_t index) {
  int fd = ioctl(fd_.get(), KVM_CREATE_VCPU, index);
  if (fd < 0) return ioctl_error("KVM_CREATE_VCPU");
  Fd owned(fd);
  void* p = mmap(nullptr, sys.vcpu_mmap_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return ioctl_error("mmap vCPU state");
  return Vcpu(std::move(owned), static_cast<kvm_run*>(p), sys.vcpu_mmap_size(), index);
}

Vcpu::Vcpu(Fd fd, kvm_run* run, int mmap_size, uint32_t index)
    : fd_(std::move(fd)), run_(run), mmap_size_(mmap_size), index_(index) {}

Vcpu::Vcpu(Vcpu&& o) noexcept : fd_(std::move(o.fd_)), run_(o.run_), mmap_size_(o.mmap_size_), index_(o.index_) {
  o.run_ = nullptr;
}

Vcpu::~Vcpu() {
  if (run_) munmap(run_, mmap_size_);
}

Result<void> Vcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) {
  FlexBuffer<CpuidHeader, kvm_cpuid_entry2> buf(entries.size());
  buf.header()->nent = static_cast<uint32_t>(entries.size());
  std::memcpy(buf.entries(), entries.data(), entries.size() * sizeof(kvm_cpuid_entry2));
  if (ioctl(fd_.get(), kSetCpuid2, buf.bytes.data()) < 0) return ioctl_error("KVM_SET_CPUID2");
  return {};
}

Result<std::vector<kvm_cpuid_entry2>> Vcpu::cpuid(size_t max_entries) const {
  FlexBuffer<CpuidHeader, kvm_cpuid_entry2> buf(max_entries);
  buf.header()->nent = static_cast<uint32_t>(max_entries);
  if (ioctl(fd_.get(), kGetCpuid2, buf.bytes.data()) < 0) return ioctl_error("KVM_GET_CPUID2");
  return std::vector<kvm_cpuid_entry2>(buf.entries(), buf.entries() + buf.header()->nent);
}

Result<void> Vcpu::set_regs(const kvm_regs& regs) {
  if (ioctl(fd_.get(), KVM_SET_REGS, &regs) < 0) return ioctl_error("KVM_SET_REGS");
  return {};
}

Result<kvm_regs> Vcpu::regs() const {
  kvm_regs r{};
  if (ioctl(fd_.get(), KVM_GET_REGS, &r) < 0) return ioctl_error("KVM_GET_REGS");
  return r;
}

Result<void> Vcpu::set_sregs(const kvm_sregs& sregs) {
  if (ioctl(fd_.get(), KVM_SET_SREGS, &sregs) < 0) return ioctl_error("KVM_SET_SREGS");
  return {};
}

Result<kvm_sregs> Vcpu::sregs() const {
  kvm_sregs s{};
  if (ioctl(fd_.get(), KVM_GET_SREGS, &s) < 0) return ioctl_error("KVM_GET_SREGS");
  return s;
}

Result<void> Vcpu::set_msrs(const std::vector<kvm_msr_entry>& msrs) {
  FlexBuffer<MsrsHeader, kvm_msr_entry> buf(msrs.size());
  buf.header()->nmsrs = static_cast<uint32_t>(msrs.size());
  std::memcpy(buf.entries(), msrs.data(), msrs.size() * sizeof(kvm_msr_entry));
  int n = ioctl(fd_.get(), kSetMsrs, buf.bytes.data());
  if (n < 0) return ioctl_error("KVM_SET_MSRS");
  if (static_cast<size_t>(n) != msrs.size())
    return make_error(ExitCode::kMonitorFailed, fmt::format("KVM_SET_MSRS: MSR {:#x} refused", msrs[n].index));
  return {};
}

Result<uint64_t> Vcpu::msr(uint32_t index) const {
  FlexBuffer<MsrsHeader, kvm_msr_entry> buf(1);
  buf.header()->nmsrs = 1;
  buf.entries()[0].index = index;
  if (ioctl(fd_.get(), kGetMsrs, buf.bytes.data()) != 1) return ioctl_error("KVM_GET_MSRS");
  return static_cast<uint64_t>(buf.entries()[0].data);
}

Result<void> Vcpu::set_xcr0(uint64_t value) {
  kvm_xcrs x{};
  x.nr_xcrs = 1;
  x.xcrs[0].xcr = 0;
  x.xcrs[0].value = value;
  if (ioctl(fd_.get(), KVM_SET_XCRS, &x) < 0) return ioctl_error("KVM_SET_XCRS");
  return {};
}

uint64_t Vcpu::tsc_khz() const {
  int khz = ioctl(fd_.get(), KVM_GET_TSC_KHZ, 0);
  return khz > 0 ? static_cast<uint64_t>(khz) : 0;
}

int Vcpu::run() { return ioctl(fd_.get(), KVM_RUN, 0) < 0 ? -errno : 0; }

std::map<std::string, uint64_t> Vcpu::kvm_counters() const {
  std::map<std::string, uint64_t> out;
  int fd = ioctl(fd_.get(), KVM_GET_STATS_FD, nullptr);
  if (fd < 0) return out;
  Fd stats(fd);
  kvm_stats_header h{};
  if (pread(fd, &h, sizeof(h), 0) != static_cast<ssize_t>(sizeof(h)) || h.num_desc > 4096 || h.name_size > 4096)
    return out;
  // ABI: each descriptor is struct kvm_stats_desc's 16 fixed bytes, then name_size
  // bytes of name (C++'s sizeof of the header's struct, with its flexible array, is
  // not 16: its own copy of the fixed part is used).
  struct Desc {
    uint32_t flags;
    int16_t exponent;
    uint16_t size;
    uint32_t offset;
    uint32_t bucket_size;
  };
  static_assert(sizeof(Desc) == 16);
  const size_t desc_size = sizeof(Desc) + h.name_size;
  std::vector<uint8_t> descs(desc_size * h.num_desc);
  if (pread(fd, descs.data(), descs.size(), h.desc_offset) != static_cast<ssize_t>(descs.size())) return out;
  for (uint32_t i = 0; i < h.num_desc; ++i) {
    Desc d;
    std::memcpy(&d, descs.data() + i * desc_size, sizeof(d));
    if (d.size != 1) continue;  // histograms
    uint64_t value = 0;
    if (pread(fd, &value, sizeof(value), h.data_offset + d.offset) != sizeof(value)) continue;
    const char* name = reinterpret_cast<const char*>(descs.data() + i * desc_size + sizeof(Desc));
    out[std::string(name, strnlen(name, h.name_size))] = value;
  }
  return out;
}

}  // namespace burrow::kvm
