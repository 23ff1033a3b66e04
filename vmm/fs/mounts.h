// The guest's view of the host's files as `burrow run` options describe it, docker
// style: by default the host's / read-only and the current directory read-write at the
// same path (unless that is /); `--root DIR` makes DIR the whole guest / (read-write);
// `-v HOST:GUEST[:ro]` adds volumes on top.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "result.h"

namespace burrow::fs {

struct Mount {
  std::string guest_path;  // absolute and normalized: "/" or "/a/b", no trailing slash
  std::string host_path;   // absolute; a directory
  bool read_only = false;
};

// Mounts in mount order: a later mount hides earlier ones at or under its guest path.
// `host_cwd` (absolute) is where relative HOST paths and `root` start from.
Result<std::vector<Mount>> default_mounts(const std::optional<std::string>& root,
                                          const std::vector<std::string>& volume_specs,
                                          const std::string& host_cwd);

}  // namespace burrow::fs
