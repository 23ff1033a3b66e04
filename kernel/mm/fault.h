// Demand paging, stack growth, eager population, and the checks every program
// pointer goes through.
#pragma once

#include <cstdint>

namespace burrow::kernel::mm {

enum class FaultResult { kHandled, kMapError, kAccessError };

// A #PF from the program: map the page (2 MiB at a time where the area allows it, else
// 4 KiB with its neighbours) if an area allows the access; grow a grows-down area
// down to it. Does not return when guest memory is exhausted (the monitor reports it).
FaultResult handle_page_fault(uint64_t addr, uint64_t error_code);

// Maps every page of [start, end) now (MAP_POPULATE, MADV_POPULATE_*, mlock); areas
// without access are skipped. False when guest memory ran out (what was mapped stays).
bool populate(uint64_t start, uint64_t end);

// Provided by the file layer (fs/file.cc): fills fresh frames from the file an area
// maps (Vma::file); false on an I/O error.
// Each abi::FileFill names its area by its bias (start - file_offset).
bool fill_from_file(uint64_t file, const void* fills, uint32_t count);
// The file's page profile (bit i: page i, see abi Hypercall::kPageProfile), asked of
// the monitor if it did not come with the file; nullptr when none is known. *bytes:
// its length; *first: this is the first call for the file.
const uint8_t* file_page_profile(uint64_t file, uint64_t* bytes, bool* first);
// The same, never asking (nullptr if not asked yet).
const uint8_t* file_known_page_profile(uint64_t file, uint64_t* bytes);
// The handle whose profile learns the pages this run touched; abi::kNoHandle for files
// that get no profile.
uint64_t file_profile_handle(uint64_t file);
// Whether the program can have written to a shared mapping of the file: not when it
// was opened read-only (then mmap and mprotect refuse PROT_WRITE on MAP_SHARED).
bool file_writable(uint64_t file);
// The other direction, for shared file mappings.
bool write_to_file(uint64_t file, const void* fills, uint32_t count);

// Writes the pages of shared file mappings in [start, end) back to their files
// (msync, munmap, exit). Every page with a frame is written: the monitor sets the
// dirty bit up front, so it cannot tell which ones changed.
void write_back(uint64_t start, uint64_t end);
// Fills, once per file, the pages its page profile names in every private area that
// maps it (one exit): at the first fault in the file, or at boot for the program's
// images (mapped whole then). Does nothing for a file no area maps yet. (ld.so's
// libraries fault before it closes them: a hook at close would not help.)
void prefetch_file(uint64_t file);
// Adds the pages of file mappings the program touched, beyond their files' profiles,
// to the profiles (abi Hypercall::kAddPageProfiles): at exit and execve.
void record_page_profiles();
// Pages filled ahead because a profile named them, since the last call.
uint64_t take_profiled_pages();

// True when the page holding va has a frame (mincore).
bool resident(uint64_t va);

// Ensures [addr, addr+len) lies in areas that allow the access and is mapped, so the
// personality and the monitor can touch it; false means -EFAULT.
bool user_prepare(uint64_t addr, uint64_t len, bool write);
// Length of the NUL-terminated string at addr (at most max); -1 for EFAULT, max when
// no NUL was found within max bytes.
int64_t user_strnlen(uint64_t addr, uint64_t max);

// Ends the VM with the monitor's "out of guest memory" report (exit status 137).
[[noreturn]] void out_of_memory();

}  // namespace burrow::kernel::mm
