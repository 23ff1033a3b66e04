// Builds the guest's first address space (see address_space.h for the order).
#include "run/address_space.h"

#include <elf.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "burrow/abi/hypercall.h"
#include "burrow/abi/layout.h"
#include "burrow/abi/percpu.h"

// The vDSO image (vmm/vdso_image.S, built from kernel/vdso).
extern "C" const uint8_t burrow_vdso_image[];
extern "C" const uint8_t burrow_vdso_image_end[];

namespace burrow::run {
namespace {

using abi::kPageSize;
using memory::kPteNoExec;
using memory::kPteUser;
using memory::kPteWrite;

constexpr uint64_t page_down(uint64_t v) { return v & ~(kPageSize - 1); }
constexpr uint64_t page_up(uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }

// Pages of a segment's zero-fill tail mapped before boot; the rest are faulted in on
// first touch (a guest fault costs tens of µs on PVM; a frame mapped here costs nothing
// until the program touches it).
constexpr uint64_t kEagerBssPages = 64;
// Pages below the argument block mapped before boot.
constexpr uint64_t kEagerStackPages = 16;

// Leaves are written with Accessed and Dirty already set: under shadow paging the host
// would otherwise take an extra exit to set each of them on first touch.
constexpr uint64_t kPteAccessedDirty = memory::kPteAccessed | memory::kPteDirty;
// Linux's stack_expand: the initial stack area reaches 128 KiB below the arguments;
// the guest grows it from there on faults, up to RLIMIT_STACK.
constexpr uint64_t kStackExpand = 128 * 1024;

uint64_t pte_flags(uint32_t prot, bool user) {
  uint64_t f = (user ? kPteUser : 0) | kPteAccessedDirty;
  if (prot & abi::kProtWrite) f |= kPteWrite;
  if (!(prot & abi::kProtExec)) f |= kPteNoExec;
  return f;
}

uint32_t prot_from_elf(uint32_t pf) {
  return ((pf & PF_R) ? abi::kProtRead : 0) | ((pf & PF_W) ? abi::kProtWrite : 0) |
         ((pf & PF_X) ? abi::kProtExec : 0);
}

Error too_big(const memory::GuestMemory& mem, const std::string& what) {
  return make_error(ExitCode::kMonitorFailed,
                    fmt::format("{} does not fit in guest memory (--memory={}M)", what, mem.size() >> 20));
}

// The embedded kernel is trusted (built with Burrow), but still loaded with checks.
// `shim_user`: PVM runs guest CPL 0 code out of pages the guest marks user-accessible
// only (a supervisor-only shim page faults on fetch there); hardware KVM gets the
// shim supervisor-only.
Result<uint64_t> load_kernel(memory::GuestMemory& mem, memory::PageTableBuilder& pt, uint64_t root,
                             std::span<const uint8_t> image, bool shim_user) {
  Elf64_Ehdr eh;
  if (image.size() < sizeof(eh)) return make_error(ExitCode::kMonitorFailed, "embedded kernel image is truncated");
  std::memcpy(&eh, image.data(), sizeof(eh));
  for (uint16_t i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    uint64_t off = eh.e_phoff + uint64_t{i} * sizeof(ph);
    if (off + sizeof(ph) > image.size()) return make_error(ExitCode::kMonitorFailed, "kernel image: bad phdrs");
    std::memcpy(&ph, image.data() + off, sizeof(ph));
    if (ph.p_type != PT_LOAD) continue;
    uint64_t phys = ph.p_vaddr - abi::kKernelVirtOffset;
    if (ph.p_vaddr < abi::kKernelBase || phys + ph.p_memsz > abi::kKernelPhys + abi::kKernelMaxSize ||
        ph.p_offset + ph.p_filesz > image.size() || ph.p_filesz > ph.p_memsz)
      return make_error(ExitCode::kMonitorFailed, "kernel image: segment out of place");
    uint8_t* dst = mem.at(phys, ph.p_memsz);
    if (!dst) return too_big(mem, "the guest kernel");
    std::memcpy(dst, image.data() + ph.p_offset, ph.p_filesz);
    bool shim = ph.p_vaddr < abi::kKernelBase + abi::kShimSize;
    uint64_t start = page_down(ph.p_vaddr);
    auto r = pt.map(root, start, start - abi::kKernelVirtOffset, page_up(ph.p_vaddr + ph.p_memsz) - start,
                    pte_flags(prot_from_elf(ph.p_flags), !shim || shim_user));
    if (!r) return r.error();
  }
  return eh.e_entry;
}

// Maps the vDSO image at kVdsoVirt (read + execute) and a zeroed page for its data
// at kVvarVirt (read-only; the guest kernel fills it at boot through the direct map).
// The image is trusted (built with Burrow) but must be what vdso.lds makes: one
// PT_LOAD from offset 0 at address 0, no zero-fill tail, within kVdsoMaxSize.
Result<std::vector<abi::BootRegion>> map_vdso(memory::GuestMemory& mem, memory::PageTableBuilder& pt,
                                              uint64_t root, std::span<const uint8_t> image,
                                              uint64_t* vvar_phys) {
  auto bad = [] { return make_error(ExitCode::kMonitorFailed, "embedded vDSO image is malformed"); };
  Elf64_Ehdr eh;
  if (image.size() < sizeof(eh) || image.size() > abi::kVdsoMaxSize) return bad();
  std::memcpy(&eh, image.data(), sizeof(eh));
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_DYN ||
      eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff + uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr) > image.size())
    return bad();
  uint32_t loads = 0;
  for (uint16_t i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, image.data() + eh.e_phoff + uint64_t{i} * sizeof(ph), sizeof(ph));
    if (ph.p_type != PT_LOAD) continue;
    if (++loads > 1 || ph.p_offset != 0 || ph.p_vaddr != 0 || ph.p_filesz != ph.p_memsz || ph.p_filesz > image.size())
      return bad();
  }
  if (loads != 1) return bad();

  uint64_t size = page_up(image.size());
  auto frames = mem.alloc_frames(abi::kVvarSize / kPageSize + size / kPageSize);
  if (!frames) return too_big(mem, "the vDSO");
  *vvar_phys = *frames;
  uint64_t vdso_phys = *frames + abi::kVvarSize;
  // SAFETY: the frames were just allocated, whole pages inside guest memory.
  std::memset(mem.at(*vvar_phys, abi::kVvarSize), 0, abi::kVvarSize);
  uint8_t* dst = mem.at(vdso_phys, size);
  std::memset(dst, 0, size);
  std::memcpy(dst, image.data(), image.size());
  uint32_t vvar_prot = abi::kProtRead, vdso_prot = abi::kProtRead | abi::kProtExec;
  if (auto r = pt.map(root, abi::kVvarVirt, *vvar_phys, abi::kVvarSize, pte_flags(vvar_prot, true)); !r)
    return r.error();
  if (auto r = pt.map(root, abi::kVdsoVirt, vdso_phys, size, pte_flags(vdso_prot, true)); !r) return r.error();
  return std::vector<abi::BootRegion>{
      {abi::kVvarVirt, abi::kVvarVirt + abi::kVvarSize, vvar_prot, static_cast<uint32_t>(abi::RegionKind::kVvar)},
      {abi::kVdsoVirt, abi::kVdsoVirt + size, vdso_prot, static_cast<uint32_t>(abi::RegionKind::kVdso)}};
}

struct PagePlan {
  uint32_t prot = 0;
  bool eager = false;
  int segments = 0;       // how many PT_LOADs cover the page
  bool whole_file = false;  // entirely file bytes of its one segment
  bool has_file = false;    // starts inside its one segment's file bytes
  uint64_t file_offset = 0;
};

// Maps the program's PT_LOAD segments at `bias`; returns the regions for BootInfo.
// With a `handle`, pages that hold nothing but file bytes of one segment are left to
// the guest, which reads them from the file when first touched (as a private file
// mapping): only what the program uses is ever read, copied or backed by memory.
// Pages shared by two segments or holding the start of the zero-filled tail are
// built here, as Linux's loader zeroes them.
Result<std::vector<abi::BootRegion>> load_program(memory::GuestMemory& mem, memory::PageTableBuilder& pt,
                                                  uint64_t root, const loader::ElfImage& elf,
                                                  std::span<const uint8_t> file, uint64_t bias, uint64_t handle) {
  // Like Linux's overcommit heuristic, refuse an image larger than all memory
  // before planning it page by page.
  uint64_t total = 0;
  for (const auto& s : elf.loads) total += page_up(s.vaddr + s.memsz) - page_down(s.vaddr);
  if (total > mem.size()) return too_big(mem, fmt::format("the program ({} MiB of segments)", total >> 20));

  // Ascending by address: segments come in address order (the ELF rule), so a page
  // is either the last one planned (shared with the previous segment) or new; a file
  // breaking the rule only costs inserts. (A vector: python3's 1400 pages cost 0.3 ms
  // in a std::map.)
  std::vector<std::pair<uint64_t, PagePlan>> pages;
  pages.reserve(total / kPageSize + elf.loads.size());
  auto plan_of = [&](uint64_t va) -> PagePlan& {
    if (pages.empty() || pages.back().first < va) return pages.emplace_back(va, PagePlan{}).second;
    auto it = std::lower_bound(pages.begin(), pages.end(), va, [](const auto& e, uint64_t v) { return e.first < v; });
    if (it == pages.end() || it->first != va) it = pages.insert(it, {va, PagePlan{}});
    return it->second;
  };
  for (const auto& s : elf.loads) {
    uint64_t start = page_down(s.vaddr + bias), end = page_up(s.vaddr + bias + s.memsz);
    uint64_t data_end = page_up(s.vaddr + bias + s.filesz);
    for (uint64_t va = start; va < end; va += kPageSize) {
      PagePlan& p = plan_of(va);
      p.prot |= prot_from_elf(s.flags);
      p.eager = p.eager || va < data_end + kEagerBssPages * kPageSize;
      ++p.segments;
      p.whole_file = va + kPageSize <= s.vaddr + bias + s.filesz;
      p.has_file = va < s.vaddr + bias + s.filesz;
      p.file_offset = page_down(s.offset) + (va - start);
    }
  }
  if (handle != abi::kNoHandle)
    for (auto& [va, p] : pages)
      if (p.segments == 1 && p.whole_file) p.eager = false;
  std::map<uint64_t, uint64_t> frames;  // page → guest-physical frame
  for (const auto& [va, plan] : pages) {
    if (!plan.eager) continue;
    auto frame = mem.alloc_frames(1);
    if (!frame) return too_big(mem, "the program");
    frames[va] = *frame;
    auto r = pt.map(root, va, *frame, kPageSize, pte_flags(plan.prot, true));
    if (!r) return r.error();
  }
  for (const auto& s : elf.loads) {
    uint64_t va = s.vaddr + bias;
    for (uint64_t done = 0; done < s.filesz;) {
      uint64_t page = page_down(va + done);
      uint64_t n = std::min(s.filesz - done, page + kPageSize - (va + done));
      // SAFETY: parse_elf guaranteed [offset, offset+filesz) is inside the file; the
      // frame is a whole guest page.
      if (auto f = frames.find(page); f != frames.end())
        std::memcpy(mem.at(f->second, kPageSize) + (va + done - page), file.data() + s.offset + done, n);
      done += n;
    }
  }
  std::vector<abi::BootRegion> regions;
  for (const auto& [va, plan] : pages) {
    // A page of one segment's file bytes belongs to the file mapping (as on Linux,
    // where /proc/self/maps shows it with its offset), whether it is built here
    // (the one where bss starts) or read on demand; the rest is anonymous.
    bool from_file = handle != abi::kNoHandle && plan.segments == 1 && plan.has_file;
    uint64_t region_handle = from_file ? handle : abi::kNoHandle;
    if (!regions.empty()) {
      abi::BootRegion& last = regions.back();
      bool continues = last.end == va && last.prot == plan.prot && last.handle == region_handle &&
                       (!from_file || last.file_offset + (va - last.start) == plan.file_offset);
      if (continues) {
        last.end = va + kPageSize;
        continue;
      }
    }
    regions.push_back({va, va + kPageSize, plan.prot, static_cast<uint32_t>(abi::RegionKind::kImage), region_handle,
                       from_file ? plan.file_offset : 0});
  }
  return regions;
}

// Writes the GDT, IDT and one TSS per vCPU into three supervisor-only pages.
Result<void> build_descriptor_tables(memory::GuestMemory& mem, memory::PageTableBuilder& pt, uint64_t root,
                                     uint32_t cpus, AddressSpace& as) {
  auto frames = mem.alloc_frames(3);
  if (!frames) return frames.error();
  uint64_t gdt_phys = *frames, idt_phys = gdt_phys + kPageSize, tss_phys = idt_phys + kPageSize;
  auto r = pt.map(root, abi::kSysTablesVirt, gdt_phys, 3 * kPageSize, kPteWrite | kPteNoExec);
  if (!r) return r.error();
  as.gdt_virt = abi::kSysTablesVirt;
  as.idt_virt = abi::kSysTablesVirt + kPageSize;
  uint64_t tss_virt = abi::kSysTablesVirt + 2 * kPageSize;

  auto* gdt = reinterpret_cast<uint64_t*>(mem.at(gdt_phys, kPageSize));
  gdt[0] = 0;
  gdt[1] = 0x00AF9B000000FFFFull;  // 0x08 kernel code, 64-bit
  gdt[2] = 0x00CF93000000FFFFull;  // 0x10 kernel data
  gdt[3] = 0x00CFF3000000FFFFull;  // 0x18 user data (selector 0x1B)
  gdt[4] = 0x00AFFB000000FFFFull;  // 0x20 user code, 64-bit (selector 0x23)
  constexpr uint64_t kTssSize = 104;
  for (uint32_t cpu = 0; cpu < cpus; ++cpu) {
    uint64_t base = tss_virt + cpu * 128;
    uint64_t* d = &gdt[5 + 2 * cpu];
    d[0] = (kTssSize - 1) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) | (((base >> 24) & 0xFF) << 56);
    d[1] = base >> 32;
    // ABI: 64-bit TSS: RSP0 at +4, IST1 at +0x24, IST2 at +0x2C, I/O map base at +0x66.
    uint8_t* tss = mem.at(tss_phys + cpu * 128, kTssSize);
    uint64_t block = abi::per_cpu_virt(cpu);
    uint64_t ist1 = block + abi::kIst1Top, ist2 = block + abi::kIst2Top;
    std::memcpy(tss + 0x04, &ist1, 8);
    std::memcpy(tss + 0x24, &ist1, 8);
    std::memcpy(tss + 0x2C, &ist2, 8);
    uint16_t iomap = kTssSize;
    std::memcpy(tss + 0x66, &iomap, 2);
    as.tss_virt.push_back(base);
  }
  as.gdt_limit = static_cast<uint16_t>((5 + 2 * cpus) * 8 - 1);

  auto* idt = reinterpret_cast<uint64_t*>(mem.at(idt_phys, kPageSize));
  auto gate = [&](uint32_t vector, uint64_t handler, uint8_t dpl, uint8_t ist) {
    idt[2 * vector] = (handler & 0xFFFF) | (uint64_t{abi::kKernelCs} << 16) | (uint64_t{ist} << 32) |
                      (uint64_t{0x8Eu | (dpl << 5)} << 40) | (((handler >> 16) & 0xFFFF) << 48);
    idt[2 * vector + 1] = handler >> 32;
  };
  for (uint32_t v = 0; v < abi::kShimVectorCount; ++v) {
    // int3 and into may be used by programs (DPL 3), as on Linux.
    uint8_t dpl = (v == 3 || v == 4) ? 3 : 0;
    gate(v, abi::kKernelBase + v * abi::kShimStubStride, dpl, 1);
  }
  gate(8, abi::kShimDoubleFaultStub, 0, 2);
  return {};
}

void copy_string(char (&dst)[65], const char* src) {
  size_t n = std::min(std::strlen(src), sizeof(dst) - 1);
  std::memcpy(dst, src, n);
  dst[n] = '\0';
}

}  // namespace

Result<AddressSpace> build_address_space(memory::GuestMemory& mem, std::span<const uint8_t> kernel_elf,
                                         uint32_t cpus, const ProgramSpec& program) {
  AddressSpace as;
  mem.set_frame_cursor(abi::kMonitorFramesPhys);
  memory::PageTableBuilder pt(mem);
  auto root = pt.create_root();
  if (!root) return root.error();
  as.cr3 = *root;

  auto entry = load_kernel(mem, pt, *root, kernel_elf, program.shim_user);
  if (!entry) return entry.error();
  as.kernel_entry = *entry;

  uint64_t direct = mem.size() & ~(abi::kLargePageSize - 1);
  if (auto r = pt.map(*root, abi::kDirectMapBase, 0, direct, kPteWrite | kPteUser | kPteNoExec | kPteAccessedDirty,
                      true);
      !r)
    return r.error();

  auto* boot = reinterpret_cast<abi::BootInfo*>(mem.at(abi::kBootInfoPhys, sizeof(abi::BootInfo)));
  std::memset(boot, 0, sizeof(*boot));
  as.boot = boot;
  for (uint32_t cpu = 0; cpu < cpus; ++cpu) {
    auto block = mem.alloc_frames(abi::kPerCpuSize / kPageSize);
    if (!block) return block.error();
    boot->per_cpu_phys[cpu] = *block;
    as.per_cpu_phys.push_back(*block);
    if (auto r = pt.map(*root, abi::per_cpu_virt(cpu), *block, abi::kPerCpuSize, kPteWrite | kPteUser | kPteNoExec);
        !r)
      return r.error();
  }
  if (auto r = build_descriptor_tables(mem, pt, *root, cpus, as); !r) return r.error();
  constexpr uint64_t kPteUncached = (1ull << 3) | (1ull << 4);
  if (auto r = pt.map(*root, abi::kMmioVirt, abi::kMmioPhys, kPageSize,
                      kPteWrite | kPteUser | kPteNoExec | kPteUncached);
      !r)
    return r.error();

  // The program, where Linux would put it.
  const loader::ElfImage& elf = *program.elf;
  // As Linux's load_elf_binary: ET_EXEC at its link address; a PIE with an
  // interpreter at ELF_ET_DYN_BASE; one without (static-PIE, or ld.so run directly)
  // top-down in the mmap area, with its brk moved to ELF_ET_DYN_BASE.
  uint64_t bias = 0;
  uint64_t brk_start = page_up(elf.max_vaddr);
  if (elf.type == ET_DYN) {
    uint64_t align = kPageSize;
    for (const auto& s : elf.loads) align = std::max(align, s.align);
    uint64_t span = elf.max_vaddr - elf.min_vaddr;
    uint64_t base = elf.interp ? (abi::kUserEtDynBase + align - 1) & ~(align - 1)
                               : (abi::kUserMmapTop - span) & ~(align - 1);
    bias = base - elf.min_vaddr;
    // Linux sets brk to ELF_ET_DYN_BASE (0x555555554aaa), which becomes page-aligned.
    brk_start = elf.interp ? page_up(elf.max_vaddr + bias) : abi::kUserEtDynBase + kPageSize;
  }
  constexpr uint64_t kStackLow = abi::kUserStackTop - abi::kUserStackMax;
  if (elf.max_vaddr + bias > kStackLow)
    return make_error(ExitCode::kCannotExecute, "segments reach into the stack area");
  as.program_bias = bias;
  auto regions = load_program(mem, pt, *root, elf, program.file, bias, program.file_handle);
  if (!regions) return regions.error();
  // The interpreter, as Linux maps it: top-down in the mmap area; the program
  // starts there, with AT_BASE saying where.
  uint64_t program_entry = elf.entry + bias;
  uint64_t interp_base = 0;
  if (program.interp_elf) {
    const loader::ElfImage& ie = *program.interp_elf;
    uint64_t align = kPageSize;
    for (const auto& s : ie.loads) align = std::max(align, s.align);
    interp_base = (abi::kUserMmapTop - (ie.max_vaddr - ie.min_vaddr)) & ~(align - 1);
    uint64_t ibias = interp_base - ie.min_vaddr;
    as.interp_bias = ibias;
    auto iregions = load_program(mem, pt, *root, ie, program.interp_file, ibias, program.interp_handle);
    if (!iregions) return iregions.error();
    regions->insert(regions->end(), iregions->begin(), iregions->end());
    program_entry = ie.entry + ibias;
  }
  // The vDSO, which Linux maps after the interpreter (arch_setup_additional_pages).
  // A program whose own segments cover its place (an odd ET_EXEC) runs without one,
  // as on a kernel without vDSO: the C libraries then make system calls.
  uint64_t vvar_phys = 0;
  bool vdso_room = std::none_of(regions->begin(), regions->end(), [](const abi::BootRegion& r) {
    return r.start < abi::kVdsoVirt + abi::kVdsoMaxSize && abi::kVvarVirt < r.end;
  });
  if (vdso_room) {
    auto vdso_regions = map_vdso(mem, pt, *root, {burrow_vdso_image, burrow_vdso_image_end}, &vvar_phys);
    if (!vdso_regions) return vdso_regions.error();
    regions->insert(regions->end(), vdso_regions->begin(), vdso_regions->end());
  }
  if (regions->size() + 1 > abi::kMaxBootRegions)
    return make_error(ExitCode::kCannotExecute, "too many loadable segments");

  // The initial stack, as execve leaves it.
  loader::StackInput in;
  in.argv = program.argv;
  in.envp = program.envp;
  in.execfn = program.execfn;
  std::FILE* urandom = std::fopen("/dev/urandom", "rb");
  if (!urandom || std::fread(in.random.data(), 1, in.random.size(), urandom) != in.random.size()) {
    if (urandom) std::fclose(urandom);
    return make_error(ExitCode::kMonitorFailed, "cannot read /dev/urandom for AT_RANDOM");
  }
  std::fclose(urandom);
  uint32_t uid = getuid(), euid = geteuid(), gid = getgid(), egid = getegid();
  auto hw = [&](uint64_t type) {
    for (const auto& a : program.cpu_auxv)
      if (a.type == type) return a.value;
    return uint64_t{0};
  };
  // ABI: the order of Linux's create_elf_tables, ARCH_DLINFO (AT_SYSINFO_EHDR,
  // AT_MINSIGSTKSZ) first.
  in.auxv = {
      {AT_MINSIGSTKSZ, hw(AT_MINSIGSTKSZ)},
      {AT_HWCAP, hw(AT_HWCAP)},
      {AT_PAGESZ, kPageSize},
      {AT_CLKTCK, 100},
      {AT_PHDR, elf.phdr_vaddr + bias},
      {AT_PHENT, sizeof(Elf64_Phdr)},
      {AT_PHNUM, elf.phnum},
      {AT_BASE, interp_base},
      {AT_FLAGS, 0},
      {AT_ENTRY, elf.entry + bias},
      {AT_UID, uid},
      {AT_EUID, euid},
      {AT_GID, gid},
      {AT_EGID, egid},
      {AT_SECURE, 0},
      {AT_RANDOM, 0},
      {AT_HWCAP2, hw(AT_HWCAP2)},
      {AT_EXECFN, 0},
      {AT_PLATFORM, 0},
  };
  if (vdso_room) in.auxv.insert(in.auxv.begin(), {AT_SYSINFO_EHDR, abi::kVdsoVirt});
  // Linux lets arguments and environment use a quarter of the stack limit.
  auto stack = loader::build_initial_stack(abi::kUserStackTop, in, abi::kUserStackMax / 4);
  if (!stack) return stack.error();
  uint64_t stack_low = stack->base - kEagerStackPages * kPageSize;
  uint64_t stack_pages = (abi::kUserStackTop - stack_low) / kPageSize;
  auto stack_frames = mem.alloc_frames(stack_pages);
  if (!stack_frames) return too_big(mem, "the initial stack");
  uint32_t stack_prot = abi::kProtRead | abi::kProtWrite | (elf.exec_stack ? abi::kProtExec : 0);
  if (auto r = pt.map(*root, stack_low, *stack_frames, abi::kUserStackTop - stack_low, pte_flags(stack_prot, true));
      !r)
    return r.error();
  std::memcpy(mem.at(*stack_frames + (stack->base - stack_low), stack->bytes.size()), stack->bytes.data(),
              stack->bytes.size());

  boot->magic = abi::kBootInfoMagic;
  boot->version = abi::kAbiVersion;
  boot->cpu_count = cpus;
  boot->memory_size = mem.size();
  boot->cr3 = as.cr3;
  boot->entry = program_entry;
  boot->initial_rsp = stack->sp;
  boot->brk_start = brk_start;
  boot->stack_top = abi::kUserStackTop;
  for (const auto& r : *regions) boot->regions[boot->region_count++] = r;
  uint64_t stack_area_low = std::max(kStackLow, page_down(stack->base) - kStackExpand);
  boot->regions[boot->region_count++] = {stack_area_low, abi::kUserStackTop, stack_prot,
                                         static_cast<uint32_t>(abi::RegionKind::kStack)};
  // Where the strings execve copied lie: argv's first string to environ's last.
  auto word = [&](uint64_t va) {
    uint64_t v;
    std::memcpy(&v, stack->bytes.data() + (va - stack->base), 8);
    return v;
  };
  uint64_t argc = word(stack->sp);
  auto string_end = [&](uint64_t va) {
    while (stack->bytes[va - stack->base] != 0) ++va;
    return va + 1;
  };
  if (argc > 0) {
    boot->arg_start = word(stack->sp + 8);
    boot->arg_end = string_end(word(stack->sp + 8 * argc));
  }
  if (!program.envp.empty()) {
    uint64_t envp = stack->sp + 8 * (argc + 2);
    boot->env_start = word(envp);
    boot->env_end = string_end(word(envp + 8 * (program.envp.size() - 1)));
  }
  for (const auto& a : stack->auxv) {
    if (boot->auxv_count == abi::kMaxAuxv) break;
    boot->auxv[boot->auxv_count][0] = a.type;
    boot->auxv[boot->auxv_count][1] = a.value;
    ++boot->auxv_count;
  }
  boot->uid = uid;
  boot->euid = euid;
  boot->gid = gid;
  boot->egid = egid;
  std::strncpy(boot->exe_path, program.host_path.c_str(), sizeof(boot->exe_path) - 1);
  std::strncpy(boot->interp_path, program.interp_host_path.c_str(), sizeof(boot->interp_path) - 1);
  boot->exe_handle = program.file_handle;
  boot->interp_handle = program.interp_handle;
  std::string base = program.execfn.substr(program.execfn.find_last_of('/') + 1);
  std::strncpy(boot->comm, base.c_str(), sizeof(boot->comm) - 1);
  utsname u{};
  uname(&u);
  copy_string(boot->uts_sysname, u.sysname);
  copy_string(boot->uts_nodename, u.nodename);
  copy_string(boot->uts_release, u.release);
  copy_string(boot->uts_version, u.version);
  copy_string(boot->uts_machine, u.machine);
  copy_string(boot->uts_domainname, u.domainname);
  boot->vvar_phys = vvar_phys;
  // Frames below this point are the monitor's; the guest allocates from here on.
  boot->first_free_phys = mem.frame_cursor();
  return as;
}

}  // namespace burrow::run
