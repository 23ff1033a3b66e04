// The on-disk format: a fixed header, the sites, and a SHA-256 of all of it, so a
// torn or flipped cache file is detected before any field is believed.
#include "rewrite/analysis_cache.h"

#include "rewrite/cache_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace burrow::rewrite {
namespace {

constexpr char kMagic[8] = {'B', 'R', 'W', 'R', 'I', 'T', 'E', 0};
constexpr uint64_t kMaxCacheFile = 256ull << 20;
constexpr size_t kMaxDisplaced = 16;

class Writer {
 public:
  void raw(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
  void u8(uint8_t v) { out.push_back(v); }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  std::vector<uint8_t> out;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}
  bool raw(void* p, size_t n) {
    if (in_.size() - pos_ < n) return ok_ = false;
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  uint8_t u8() {
    uint8_t v = 0;
    raw(&v, 1);
    return v;
  }
  uint32_t u32() {
    uint32_t v = 0;
    raw(&v, 4);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    raw(&v, 8);
    return v;
  }
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

Error corrupt(const std::string& what) { return make_error(ExitCode::kMonitorFailed, "corrupt rewriter cache: " + what); }

}  // namespace

std::vector<uint8_t> serialize(const Analysis& a) {
  Writer w;
  w.raw(kMagic, sizeof kMagic);
  w.u32(kAnalysisFormatVersion);
  w.u32(0);
  w.raw(a.hash.data(), a.hash.size());
  w.u64(a.code_bytes);
  w.u64(a.instructions);
  w.u64(a.branch_targets);
  w.u64(a.sites.size());
  for (const Site& s : a.sites) {
    w.u64(s.offset);
    w.u64(s.vaddr);
    w.u64(s.syscall_vaddr);
    w.u64(static_cast<uint64_t>(s.nr));
    w.u8(s.length);
    w.u8(s.syscall_length);
    w.u8(static_cast<uint8_t>(s.kind));
    w.u8(static_cast<uint8_t>(s.reason));
    w.u8(static_cast<uint8_t>(s.displaced.size()));
    w.u8(s.cpuid ? 1 : 0);
    for (const DisplacedInsn& d : s.displaced) {
      w.u64(d.vaddr);
      w.u64(d.target);
      w.u8(d.length);
      w.u8(static_cast<uint8_t>(d.fixup));
      w.u8(d.disp_offset);
      w.u8(d.cond);
      w.raw(d.bytes.data(), d.bytes.size());
    }
  }
  const Sha256Digest sum = sha256(w.out);
  w.raw(sum.data(), sum.size());
  return std::move(w.out);
}

Result<Analysis> deserialize(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof(kMagic) + 8 + 32 + 32) return corrupt("truncated");
  const auto body = bytes.first(bytes.size() - 32);
  if (std::memcmp(sha256(body).data(), bytes.data() + body.size(), 32) != 0) return corrupt("checksum mismatch");
  Reader r(body);
  char magic[sizeof kMagic];
  r.raw(magic, sizeof magic);
  if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) return corrupt("bad magic");
  if (r.u32() != kAnalysisFormatVersion) return corrupt("other format version");
  r.u32();
  Analysis a;
  r.raw(a.hash.data(), a.hash.size());
  a.code_bytes = r.u64();
  a.instructions = r.u64();
  a.branch_targets = r.u64();
  const uint64_t count = r.u64();
  if (!r.ok() || count > r.remaining() / 38) return corrupt("bad site count");
  a.sites.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    Site s;
    s.offset = r.u64();
    s.vaddr = r.u64();
    s.syscall_vaddr = r.u64();
    s.nr = static_cast<int64_t>(r.u64());
    s.length = r.u8();
    s.syscall_length = r.u8();
    const uint8_t kind = r.u8();
    const uint8_t reason = r.u8();
    const uint8_t ndisplaced = r.u8();
    const uint8_t cpuid = r.u8();
    if (!r.ok()) return corrupt("truncated site");
    if (cpuid > 1) return corrupt("bad instruction kind");
    s.cpuid = cpuid != 0;
    if (kind > static_cast<uint8_t>(SiteKind::kSkipped) || reason >= kSkipReasonCount) return corrupt("bad site kind");
    s.kind = static_cast<SiteKind>(kind);
    s.reason = static_cast<SkipReason>(reason);
    if (s.cpuid && s.kind == SiteKind::kMovImm) return corrupt("bad cpuid site");
    if ((s.kind == SiteKind::kSkipped) != (s.reason != SkipReason::kNone)) return corrupt("bad skip reason");
    if (s.length == 0 || s.length > 16 || s.syscall_length < 2 || s.syscall_length > 15) return corrupt("bad length");
    if (s.kind == SiteKind::kMovImm && (s.length != 5 || s.nr < 0 || s.nr > UINT32_MAX)) return corrupt("bad mov-imm site");
    if ((s.kind == SiteKind::kDisplaced) != (ndisplaced != 0) || ndisplaced > kMaxDisplaced)
      return corrupt("bad displaced count");
    if (i > 0 && s.offset < a.sites.back().offset) return corrupt("sites out of order");
    for (uint8_t j = 0; j < ndisplaced; ++j) {
      DisplacedInsn d;
      d.vaddr = r.u64();
      d.target = r.u64();
      d.length = r.u8();
      const uint8_t fixup = r.u8();
      d.disp_offset = r.u8();
      d.cond = r.u8();
      r.raw(d.bytes.data(), d.bytes.size());
      if (!r.ok()) return corrupt("truncated instruction");
      if (d.length == 0 || d.length > 15 || fixup > static_cast<uint8_t>(DisplacedInsn::Fixup::kJcc) || d.cond > 15)
        return corrupt("bad instruction");
      d.fixup = static_cast<DisplacedInsn::Fixup>(fixup);
      if (d.fixup == DisplacedInsn::Fixup::kRipRelative && d.disp_offset + 4 > d.length)
        return corrupt("bad displacement offset");
      s.displaced.push_back(d);
    }
    a.counts.add(s.kind, s.reason, s.cpuid);
    a.sites.push_back(std::move(s));
  }
  if (!r.at_end()) return corrupt("trailing bytes");
  return a;
}

AnalysisCache::AnalysisCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path AnalysisCache::default_dir() { return default_cache_dir("rewrite"); }

// The cache decides which code runs in the program: it must be the user's alone.
bool AnalysisCache::private_dir() {
  if (dir_.empty()) return false;
  if (dir_ok_) return true;
  dir_ok_ = private_cache_dir(dir_);
  if (!dir_ok_) dir_.clear();
  return dir_ok_;
}

// Whether `analysis` describes `file`: every site's bytes are there (a syscall, the
// mov it patches, the instructions it displaces). An analysis found through a file
// identity is checked this way before its patches are trusted.
bool consistent(const Analysis& analysis, std::span<const uint8_t> file) {
  auto bytes_at = [&](uint64_t offset, const uint8_t* want, size_t n) {
    return offset <= file.size() && n <= file.size() - offset && std::memcmp(file.data() + offset, want, n) == 0;
  };
  static constexpr uint8_t kSyscall[2] = {0x0f, 0x05};
  static constexpr uint8_t kCpuid[2] = {0x0f, 0xa2};
  for (const Site& s : analysis.sites) {
    uint64_t syscall_offset = s.offset + (s.syscall_vaddr - s.vaddr);
    if (s.syscall_vaddr < s.vaddr || !bytes_at(syscall_offset + s.syscall_length - 2, s.cpuid ? kCpuid : kSyscall, 2))
      return false;
    if (s.kind == SiteKind::kMovImm) {
      uint8_t mov[5] = {0xb8, static_cast<uint8_t>(s.nr), static_cast<uint8_t>(s.nr >> 8),
                        static_cast<uint8_t>(s.nr >> 16), static_cast<uint8_t>(s.nr >> 24)};
      if (!bytes_at(s.offset, mov, sizeof(mov))) return false;
    }
    for (const DisplacedInsn& d : s.displaced)
      if (d.vaddr < s.vaddr || !bytes_at(s.offset + (d.vaddr - s.vaddr), d.bytes.data(), d.length)) return false;
  }
  return true;
}

std::filesystem::path AnalysisCache::path_for(const Sha256Digest& hash) const {
  return dir_ / (to_hex(hash) + ".v" + std::to_string(kAnalysisFormatVersion));
}

std::shared_ptr<const Analysis> AnalysisCache::load_from_disk(const Sha256Digest& hash) {
  if (!private_dir()) return nullptr;
  const int fd = ::open(path_for(hash).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return nullptr;
  std::vector<uint8_t> bytes;
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) <= kMaxCacheFile;
  if (ok) {
    bytes.resize(st.st_size);
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += n;
    }
    ok = done == bytes.size();
  }
  ::close(fd);
  auto parsed = ok ? deserialize(bytes) : Result<Analysis>(corrupt("unreadable"));
  if (!parsed || parsed->hash != hash) {
    std::lock_guard lock(mutex_);
    ++stats_.disk_errors;
    return nullptr;
  }
  return std::make_shared<const Analysis>(std::move(*parsed));
}

void AnalysisCache::store_to_disk(const Analysis& analysis) {
  if (dir_.empty()) return;
  if (!private_dir()) return;
  const std::string final_path = path_for(analysis.hash);
  std::string tmp = final_path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  bool ok = fd >= 0;
  if (ok) {
    const std::vector<uint8_t> bytes = serialize(analysis);
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += n;
    }
    ok = done == bytes.size();
    ok = ::close(fd) == 0 && ok;
    // rename() is atomic: a reader sees the old file or the complete new one.
    ok = ok && ::rename(tmp.c_str(), final_path.c_str()) == 0;
    if (!ok) ::unlink(tmp.c_str());
  }
  if (!ok) {
    std::lock_guard lock(mutex_);
    ++stats_.disk_errors;
  }
}

std::filesystem::path AnalysisCache::identity_path(const FileIdentity& id) const {
  uint64_t fields[5] = {id.dev, id.ino, id.size, static_cast<uint64_t>(id.mtime_ns), static_cast<uint64_t>(id.ctime_ns)};
  Sha256Digest key = sha256({reinterpret_cast<const uint8_t*>(fields), sizeof(fields)});
  return dir_ / ("id-" + to_hex(key));
}

std::optional<Sha256Digest> AnalysisCache::known_hash(const FileIdentity& id) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = identities_.find(id); it != identities_.end()) return it->second;
  }
  if (!private_dir()) return std::nullopt;
  const int fd = ::open(identity_path(id).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  Sha256Digest hash{};
  const ssize_t n = ::read(fd, hash.data(), hash.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(hash.size())) return std::nullopt;
  return hash;
}

void AnalysisCache::remember_hash(const FileIdentity& id, const Sha256Digest& hash) {
  {
    std::lock_guard lock(mutex_);
    identities_[id] = hash;
  }
  if (!private_dir()) return;
  const std::string final_path = identity_path(id);
  std::string tmp = final_path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return;
  bool ok = ::write(fd, hash.data(), hash.size()) == static_cast<ssize_t>(hash.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), final_path.c_str()) != 0) ::unlink(tmp.c_str());
}

Result<std::shared_ptr<const Analysis>> AnalysisCache::get(std::span<const uint8_t> elf_file, const FileIdentity* id) {
  // A known identity names the analysis without hashing the file; the analysis
  // found must carry that very hash (a stale or forged identity file only costs a
  // fresh hash).
  if (id) {
    if (auto known = known_hash(*id)) {
      std::shared_ptr<const Analysis> found;
      {
        std::lock_guard lock(mutex_);
        if (auto it = memory_.find(*known); it != memory_.end()) found = it->second;
      }
      if (!found) found = load_from_disk(*known);
      if (found && found->hash == *known && consistent(*found, elf_file)) {
        std::lock_guard lock(mutex_);
        ++stats_.identity_hits;
        return memory_.emplace(*known, found).first->second;
      }
    }
  }
  const Sha256Digest hash = sha256(elf_file);
  if (id) remember_hash(*id, hash);
  {
    std::lock_guard lock(mutex_);
    if (auto it = memory_.find(hash); it != memory_.end()) {
      ++stats_.memory_hits;
      return it->second;
    }
  }
  std::shared_ptr<const Analysis> analysis = load_from_disk(hash);
  bool from_disk = analysis != nullptr;
  if (!analysis) {
    auto fresh = analyze(elf_file);
    if (!fresh) return fresh.error();
    analysis = std::make_shared<const Analysis>(std::move(*fresh));
    store_to_disk(*analysis);
  }
  std::lock_guard lock(mutex_);
  ++(from_disk ? stats_.disk_hits : stats_.analyzed);
  return memory_.emplace(hash, analysis).first->second;
}

AnalysisCache::Stats AnalysisCache::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace burrow::rewrite
