// rewrite_static_elf: analyze, lay out the new segment, emit per executable PT_LOAD,
// apply the patches to a copy of the file.
//
// Layout of the appended segment (page-aligned in the file and in memory):
//   marker (64 bytes) | program header table (phnum + 1 entries) | trampolines
// The program header table moves there because the original one is followed
// immediately by other data in every linker's output; e_phoff and PT_PHDR follow it.
#include "rewrite/static_rewrite.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "burrow/abi/layout.h"
#include "rewrite/elf_file.h"

namespace burrow::rewrite {
namespace {

constexpr uint64_t kMarkerSize = 64;
static_assert(sizeof(kRewrittenMarker) <= kMarkerSize);
constexpr uint64_t kMaxInputSize = 1ull << 30;

Error fail(std::string message) { return make_error(ExitCode::kCannotExecute, std::move(message)); }

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// DT_FLAGS_1 of PT_DYNAMIC, if any.
std::optional<uint64_t> dynamic_flags_1(const ElfFile& elf) {
  for (const Elf64_Phdr& ph : elf.phdrs) {
    if (ph.p_type != PT_DYNAMIC) continue;
    uint64_t end;
    if (__builtin_add_overflow(ph.p_offset, ph.p_filesz, &end) || end > elf.bytes.size()) return std::nullopt;
    for (uint64_t pos = 0; pos + sizeof(Elf64_Dyn) <= ph.p_filesz; pos += sizeof(Elf64_Dyn)) {
      const auto dyn = load<Elf64_Dyn>(elf.bytes.data() + ph.p_offset + pos);
      if (dyn.d_tag == DT_NULL) break;
      if (dyn.d_tag == DT_FLAGS_1) return dyn.d_un.d_val;
    }
  }
  return std::nullopt;
}

std::string errno_text(int err) { return std::strerror(err); }

Result<std::vector<uint8_t>> read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(errno == ENOENT ? ExitCode::kNotFound : ExitCode::kCannotExecute, path + ": " + errno_text(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(path + ": not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxInputSize) {
    ::close(fd);
    return fail(path + ": larger than 1 GiB");
  }
  std::vector<uint8_t> bytes(st.st_size);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      return fail(path + ": read: " + errno_text(err));
    }
    done += n;
  }
  ::close(fd);
  return bytes;
}

}  // namespace

bool is_rewritten(std::span<const uint8_t> elf) {
  auto parsed = read_elf_file(elf);
  if (!parsed) return false;
  for (const Elf64_Phdr& ph : parsed->phdrs) {
    if (ph.p_type != PT_LOAD || ph.p_filesz < sizeof(kRewrittenMarker)) continue;
    if (std::memcmp(elf.data() + ph.p_offset, kRewrittenMarker, sizeof(kRewrittenMarker)) == 0) return true;
  }
  return false;
}

Result<StaticRewrite> rewrite_static_elf(std::span<const uint8_t> in) {
  auto parsed = read_elf_file(in);
  if (!parsed) return parsed.error();
  const ElfFile& elf = *parsed;
  for (const Elf64_Phdr& ph : elf.phdrs)
    if (ph.p_type == PT_INTERP)
      return fail("dynamically linked (has PT_INTERP): burrow rewrite takes static executables only");
  if (elf.ehdr.e_type == ET_DYN) {
    const auto flags = dynamic_flags_1(elf);
    if (elf.ehdr.e_entry == 0 || (flags && !(*flags & DF_1_PIE)))
      return fail("a shared library, not an executable");
  }
  if (is_rewritten(in)) return fail("already rewritten by burrow rewrite");
  if (elf.ehdr.e_phnum >= PN_XNUM - 1) return fail("too many program headers to add one");

  uint64_t highest = 0;
  bool any_load = false;
  for (const Elf64_Phdr& ph : elf.phdrs) {
    if (ph.p_type != PT_LOAD) continue;
    any_load = true;
    highest = std::max(highest, ph.p_vaddr + ph.p_memsz);
  }
  if (!any_load) return fail("no PT_LOAD segments");
  if (highest > abi::kUserEnd) return fail("segments lie above the user address space");

  auto analysis = analyze(in);
  if (!analysis) return analysis.error();

  StaticRewrite out;
  const uint64_t phnum = elf.ehdr.e_phnum + 1;
  const uint64_t phdr_size = phnum * sizeof(Elf64_Phdr);
  const uint64_t seg_vaddr = align_up(highest, abi::kPageSize);
  const uint64_t seg_offset = align_up(in.size(), abi::kPageSize);
  const uint64_t tramp_start = align_up(kMarkerSize + phdr_size, kTrampolineAlign);
  const size_t capacity = (analysis->counts.patched() + analysis->counts.cpuid_patched + 1) * kMaxTrampolineSize;

  if (elf.ehdr.e_type == ET_EXEC && seg_vaddr + tramp_start + capacity > abi::kUserEnd)
    return fail("no room above the highest segment for the trampoline segment");
  std::vector<uint8_t> segment(tramp_start, 0);
  std::memcpy(segment.data(), kRewrittenMarker, sizeof(kRewrittenMarker));
  std::vector<uint8_t> file(in.begin(), in.end());
  for (const Elf64_Phdr& ph : elf.phdrs) {
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X) || ph.p_filesz == 0) continue;
    const uint64_t at = align_up(segment.size(), kTrampolineAlign);
    const size_t used = at - tramp_start;
    Emitted e = emit(*analysis, ph.p_offset, ph.p_filesz, ph.p_vaddr, seg_vaddr + at, capacity > used ? capacity - used : 0);
    segment.resize(at, 0xCC);
    segment.insert(segment.end(), e.trampolines.begin(), e.trampolines.end());
    for (const Patch& p : e.patches) {
      // emit() only patches inside [p_offset, p_offset + p_filesz).
      const uint64_t off = ph.p_offset + (p.addr - ph.p_vaddr);
      std::memcpy(file.data() + off, p.data.data(), p.size);
    }
    out.counts += e.counts;
  }
  out.trampoline_bytes = segment.size() - tramp_start;

  // The new program header table: the old entries, the new PT_LOAD right after the
  // last PT_LOAD (loaders want PT_LOADs in ascending order), PT_PHDR moved.
  std::vector<Elf64_Phdr> phdrs;
  size_t last_load = 0;
  for (size_t i = 0; i < elf.phdrs.size(); ++i)
    if (elf.phdrs[i].p_type == PT_LOAD) last_load = i;
  for (size_t i = 0; i < elf.phdrs.size(); ++i) {
    Elf64_Phdr ph = elf.phdrs[i];
    if (ph.p_type == PT_PHDR) {
      ph.p_offset = seg_offset + kMarkerSize;
      ph.p_vaddr = ph.p_paddr = seg_vaddr + kMarkerSize;
      ph.p_filesz = ph.p_memsz = phdr_size;
    }
    phdrs.push_back(ph);
    if (i == last_load) {
      Elf64_Phdr load{};
      load.p_type = PT_LOAD;
      load.p_flags = PF_R | PF_X;
      load.p_offset = seg_offset;
      load.p_vaddr = load.p_paddr = seg_vaddr;
      load.p_filesz = load.p_memsz = segment.size();
      load.p_align = abi::kPageSize;
      phdrs.push_back(load);
    }
  }
  std::memcpy(segment.data() + kMarkerSize, phdrs.data(), phdr_size);

  Elf64_Ehdr eh = elf.ehdr;
  eh.e_phoff = seg_offset + kMarkerSize;
  eh.e_phnum = static_cast<uint16_t>(phnum);
  std::memcpy(file.data(), &eh, sizeof eh);
  file.resize(seg_offset, 0);
  file.insert(file.end(), segment.begin(), segment.end());

  out.segment_vaddr = seg_vaddr;
  out.segment_size = segment.size();
  out.analysis = std::move(*analysis);
  out.file = std::move(file);
  return out;
}

Result<StaticRewrite> rewrite_static_elf_file(const std::string& in_path, const std::string& out_path) {
  struct stat in_st;
  if (::stat(in_path.c_str(), &in_st) != 0)
    return make_error(errno == ENOENT ? ExitCode::kNotFound : ExitCode::kCannotExecute, in_path + ": " + errno_text(errno));
  struct stat out_st;
  if (in_path == out_path ||
      (::stat(out_path.c_str(), &out_st) == 0 && out_st.st_dev == in_st.st_dev && out_st.st_ino == in_st.st_ino))
    return make_error(ExitCode::kMonitorFailed, out_path + ": is the input file; choose another output path");
  auto bytes = read_file(in_path);
  if (!bytes) return bytes.error();
  auto rewritten = rewrite_static_elf(*bytes);
  if (!rewritten) return make_error(rewritten.error().code, in_path + ": " + rewritten.error().message);

  // Same directory as the output, so rename() is atomic and never crosses devices.
  const std::filesystem::path out_fs(out_path);
  const std::filesystem::path dir = out_fs.has_parent_path() ? out_fs.parent_path() : ".";
  std::string tmp = (dir / ("." + out_fs.filename().string() + ".burrow-XXXXXX")).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return make_error(ExitCode::kMonitorFailed, out_path + ": cannot create: " + errno_text(errno));
  const std::vector<uint8_t>& data = rewritten->file;
  size_t done = 0;
  int err = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    done += n;
  }
  if (!err && ::fchmod(fd, (in_st.st_mode & 0777) | S_IXUSR) != 0) err = errno;
  if (!err && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && !err) err = errno;
  if (!err && ::rename(tmp.c_str(), out_path.c_str()) != 0) err = errno;
  if (err) {
    ::unlink(tmp.c_str());
    return make_error(ExitCode::kMonitorFailed, out_path + ": write: " + errno_text(err));
  }
  return rewritten;
}

}  // namespace burrow::rewrite
