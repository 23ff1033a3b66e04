// stat → statx.
#include "fs/stat.h"

namespace burrow::kernel::fs {

Statx statx_from_stat(const Stat& st) {
  constexpr uint32_t kStatxBasicStats = 0x7ff;
  Statx sx = {};
  sx.mask = kStatxBasicStats;
  sx.blksize = static_cast<uint32_t>(st.blksize);
  sx.nlink = static_cast<uint32_t>(st.nlink);
  sx.uid = st.uid;
  sx.gid = st.gid;
  sx.mode = static_cast<uint16_t>(st.mode);
  sx.ino = st.ino;
  sx.size = static_cast<uint64_t>(st.size);
  sx.blocks = static_cast<uint64_t>(st.blocks);
  sx.atime = {st.atime, static_cast<uint32_t>(st.atime_ns), 0};
  sx.mtime = {st.mtime, static_cast<uint32_t>(st.mtime_ns), 0};
  sx.ctime = {st.ctime, static_cast<uint32_t>(st.ctime_ns), 0};
  // ABI: the kernel's dev_t encoding (MAJOR/MINOR of new_encode_dev).
  auto major = [](uint64_t d) { return static_cast<uint32_t>(((d >> 32) & 0xfffff000) | ((d >> 8) & 0xfff)); };
  auto minor = [](uint64_t d) { return static_cast<uint32_t>(((d >> 12) & 0xffffff00) | (d & 0xff)); };
  sx.rdev_major = major(st.rdev);
  sx.rdev_minor = minor(st.rdev);
  sx.dev_major = major(st.dev);
  sx.dev_minor = minor(st.dev);
  return sx;
}

}  // namespace burrow::kernel::fs
