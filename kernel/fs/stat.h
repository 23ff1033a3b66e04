// struct stat and struct statx as Linux lays them out on x86-64.
#pragma once

#include <cstdint>

namespace burrow::kernel::fs {

// ABI: struct stat (asm/stat.h, x86-64).
struct Stat {
  uint64_t dev, ino, nlink;
  uint32_t mode, uid, gid, pad0;
  uint64_t rdev;
  int64_t size, blksize, blocks;
  int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
  int64_t reserved[3];
};
static_assert(sizeof(Stat) == 144);

// ABI: struct statx (linux/stat.h).
struct StatxTimestamp {
  int64_t sec;
  uint32_t nsec;
  int32_t reserved;
};
struct Statx {
  uint32_t mask, blksize;
  uint64_t attributes;
  uint32_t nlink, uid, gid;
  uint16_t mode, pad1;
  uint64_t ino, size, blocks, attributes_mask;
  StatxTimestamp atime, btime, ctime, mtime;
  uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
  uint64_t mnt_id;
  uint32_t dio_mem_align, dio_offset_align;
  uint64_t spare[12];
};
static_assert(sizeof(Statx) == 256);

inline constexpr uint32_t kIfMt = 0170000, kIfDir = 0040000, kIfReg = 0100000, kIfChr = 0020000,
                          kIfLnk = 0120000, kIfIfo = 0010000, kIfSock = 0140000;

// statx from stat: STATX_BASIC_STATS (no birth time; stat does not have one).
Statx statx_from_stat(const Stat& st);

}  // namespace burrow::kernel::fs
