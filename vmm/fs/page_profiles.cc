// On disk: a fixed header naming the file version, then the bitmap. Anything that
// does not match exactly is ignored (and replaced at the next store).
#include "fs/page_profiles.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "rewrite/cache_dir.h"
#include "rewrite/sha256.h"

namespace burrow::fs {
namespace {

constexpr char kMagic[8] = {'B', 'R', 'P', 'A', 'G', 'E', 'S', 0};
constexpr uint32_t kFormatVersion = 1;

struct Identity {
  uint64_t dev, ino, size;
  int64_t mtime_ns, ctime_ns;
};
static_assert(sizeof(Identity) == 40);

Identity pack(const rewrite::FileIdentity& id) { return {id.dev, id.ino, id.size, id.mtime_ns, id.ctime_ns}; }

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t bytes;  // of bitmap after the header
  Identity file, program;
};
static_assert(sizeof(Header) == 96);

bool identity_of_fd(int fd, rewrite::FileIdentity* id) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink == 0) return false;
  *id = rewrite::identity_of(st);
  return true;
}

}  // namespace

PageProfiles::PageProfiles(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path PageProfiles::default_dir() { return rewrite::default_cache_dir("pages"); }

bool PageProfiles::private_dir() {
  if (dir_.empty()) return false;
  if (dir_ok_) return true;
  dir_ok_ = rewrite::private_cache_dir(dir_);
  if (!dir_ok_) dir_.clear();
  return dir_ok_;
}

// Named by the files (device and inode), not their versions: a new version of either
// replaces the old one's profile, so the directory holds one profile per pair of
// files however often they change. The header says which versions it is about.
std::filesystem::path PageProfiles::path_for(const Key& key) const {
  uint64_t names[4] = {key.first.dev, key.first.ino, key.second.dev, key.second.ino};
  return dir_ / ("p-" + rewrite::to_hex(rewrite::sha256({reinterpret_cast<const uint8_t*>(names), sizeof(names)})));
}

// The profile in memory, loaded from disk on first use (empty when there is none).
std::vector<uint8_t>* PageProfiles::lookup(const Key& key) {
  if (auto it = memory_.find(key); it != memory_.end()) return &it->second;
  // Bounded: a program that keeps making new versions of files gets no more.
  if (memory_.size() >= kMaxProfiles) return nullptr;
  std::vector<uint8_t>& bits = memory_[key];
  if (!private_dir()) return &bits;
  const int fd = ::open(path_for(key).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return &bits;
  uint8_t buf[sizeof(Header) + kMaxBytes + 1];
  size_t got = 0;
  for (ssize_t n; got < sizeof(buf) && (n = ::read(fd, buf + got, sizeof(buf) - got)) > 0;) got += n;
  ::close(fd);
  Header h;
  bool ok = got >= sizeof(h);
  if (ok) {
    std::memcpy(&h, buf, sizeof(h));
    ok = std::memcmp(h.magic, kMagic, sizeof(kMagic)) == 0 && h.version == kFormatVersion &&
         h.bytes <= kMaxBytes && got == sizeof(h) + h.bytes && h.file.dev == key.first.dev &&
         h.file.ino == key.first.ino && h.program.dev == key.second.dev && h.program.ino == key.second.ino;
  }
  if (!ok) {
    ++disk_errors_;
    return &bits;
  }
  // Another version of the file or the program: nothing to go by (and the next
  // store replaces it).
  Identity want[2] = {pack(key.first), pack(key.second)};
  if (std::memcmp(&h.file, &want[0], sizeof(Identity)) == 0 && std::memcmp(&h.program, &want[1], sizeof(Identity)) == 0)
    bits.assign(buf + sizeof(h), buf + got);
  return &bits;
}

std::vector<uint8_t> PageProfiles::get(int fd) {
  rewrite::FileIdentity id;
  if (!identity_of_fd(fd, &id)) return {};
  const std::vector<uint8_t>* bits = lookup({id, program_});
  return bits ? *bits : std::vector<uint8_t>{};
}

void PageProfiles::add(int fd, std::span<const uint8_t> bits) {
  rewrite::FileIdentity id;
  if (!identity_of_fd(fd, &id)) return;
  const Key key{id, program_};
  std::vector<uint8_t>* found = lookup(key);
  if (!found) return;
  std::vector<uint8_t>& have = *found;
  bits = bits.first(std::min(bits.size(), kMaxBytes));
  bool changed = false;
  if (have.size() < bits.size()) have.resize(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) {
    uint8_t merged = have[i] | bits[i];
    changed |= merged != have[i];
    have[i] = merged;
  }
  if (changed) store(key, have);
}

void PageProfiles::store(const Key& key, const std::vector<uint8_t>& bits) {
  if (!private_dir()) return;
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof(kMagic));
  h.version = kFormatVersion;
  h.bytes = static_cast<uint32_t>(bits.size());
  h.file = pack(key.first);
  h.program = pack(key.second);
  std::vector<uint8_t> out(sizeof(h) + bits.size());
  std::memcpy(out.data(), &h, sizeof(h));
  std::copy(bits.begin(), bits.end(), out.begin() + sizeof(h));
  const std::string final_path = path_for(key);
  std::string tmp = final_path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  bool ok = fd >= 0 && ::write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size());
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  // rename() is atomic: a reader sees the old profile or the whole new one.
  ok = ok && ::rename(tmp.c_str(), final_path.c_str()) == 0;
  if (!ok) {
    if (fd >= 0) ::unlink(tmp.c_str());
    ++disk_errors_;
  }
}

}  // namespace burrow::fs
