#include "rewrite/cache_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace burrow::rewrite {

std::filesystem::path default_cache_dir(std::string_view name) {
  auto is_dir = [](const char* p) {
    struct stat st;
    return p && p[0] == '/' && ::stat(p, &st) == 0 && S_ISDIR(st.st_mode);
  };
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (is_dir(xdg)) return std::filesystem::path(xdg) / "burrow" / name;
  const char* home = std::getenv("HOME");
  if (is_dir(home)) return std::filesystem::path(home) / ".cache" / "burrow" / name;
  return {};
}

bool private_cache_dir(const std::filesystem::path& dir) {
  if (dir.empty()) return false;
  std::filesystem::path path;
  for (const auto& part : dir) {
    path /= part;
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) break;
  }
  struct stat st;
  bool ok = ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
            (st.st_mode & 022) == 0;
  std::filesystem::path ancestor;
  for (const auto& part : dir.parent_path()) {
    ancestor /= part;
    struct stat a;
    bool owner_ok = ::stat(ancestor.c_str(), &a) == 0 && (a.st_uid == 0 || a.st_uid == ::geteuid());
    bool write_ok = (a.st_mode & 022) == 0 || (a.st_mode & S_ISVTX);
    ok = ok && owner_ok && write_ok;
  }
  return ok;
}

}  // namespace burrow::rewrite
