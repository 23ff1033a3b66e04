// default_mounts: `--root` and `-v` options turned into the mount list; each mistake
// is reported on one line that quotes the option as the user typed it.
#include "fs/mounts.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace burrow::fs {
namespace {

Error fail(std::string message) { return make_error(ExitCode::kMonitorFailed, std::move(message)); }

// An absolute path without "//", ".", ".." or a trailing slash, as the guest spells it.
std::string normalize_guest(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? "" : path.substr(slash + 1);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
  }
  std::string out;
  for (std::string_view part : parts) out.append("/").append(part);
  return out.empty() ? "/" : out;
}

// Host paths are left to the host to resolve (".." after a symlink is not lexical).
std::string absolute_host(const std::string& path, const std::string& host_cwd) {
  return path.starts_with('/') ? path : host_cwd + "/" + path;
}

Result<void> check_dir(const std::string& option, const std::string& host) {
  struct stat st;
  if (::stat(host.c_str(), &st) != 0) return fail(fmt::format("{}: {}: {}", option, host, std::strerror(errno)));
  if (!S_ISDIR(st.st_mode)) return fail(fmt::format("{}: {}: not a directory (only directories can be mounted)", option, host));
  return {};
}

// "HOST:GUEST[:ro|:rw]".
Result<Mount> parse_volume(const std::string& spec, const std::string& host_cwd) {
  const std::string option = "-v " + spec;
  std::vector<std::string> fields;
  for (size_t start = 0;;) {
    size_t colon = spec.find(':', start);
    fields.push_back(spec.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (fields.size() < 2 || fields.size() > 3 || fields[0].empty() || fields[1].empty())
    return fail(option + ": expected HOST:GUEST[:ro|:rw]");
  if (!fields[1].starts_with('/'))
    return fail(fmt::format("{}: the guest path {} is not absolute", option, fields[1]));
  bool read_only = false;
  if (fields.size() == 3) {
    if (fields[2] != "ro" && fields[2] != "rw")
      return fail(fmt::format("{}: unknown mode \"{}\" (expected ro or rw)", option, fields[2]));
    read_only = fields[2] == "ro";
  }
  Mount mount{normalize_guest(fields[1]), absolute_host(fields[0], host_cwd), read_only};
  if (auto checked = check_dir(option, mount.host_path); !checked) return checked.error();
  return mount;
}

}  // namespace

Result<std::vector<Mount>> default_mounts(const std::optional<std::string>& root,
                                          const std::vector<std::string>& volume_specs,
                                          const std::string& host_cwd) {
  if (!host_cwd.starts_with('/'))
    return fail(fmt::format("the current directory {} is not an absolute path", host_cwd));
  std::vector<Mount> mounts;
  if (root) {
    std::string host = absolute_host(*root, host_cwd);
    if (auto checked = check_dir("--root " + *root, host); !checked) return checked.error();
    mounts.push_back({"/", host, false});
  } else {
    mounts.push_back({"/", "/", true});
    // Run from /, the current directory read-write would be the whole host: / stays
    // read-only.
    if (normalize_guest(host_cwd) != "/") mounts.push_back({normalize_guest(host_cwd), host_cwd, false});
  }
  for (const std::string& spec : volume_specs) {
    auto mount = parse_volume(spec, host_cwd);
    if (!mount) return mount.error();
    mounts.push_back(std::move(*mount));
  }
  return mounts;
}

}  // namespace burrow::fs
