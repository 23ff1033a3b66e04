// Canonical guest paths: every symlink resolved inside the sandbox, as getcwd and
// /proc/self/exe show them.
#pragma once

#include <string>

#include "fs/sandbox.h"

namespace burrow::fs {

// Joins `rel` to `base` (absolute) and removes ".", ".." and "//" by name.
std::string normalize(const std::string& base, const std::string& rel);
// `path` (absolute, normalized) with each symlink component replaced by its target,
// resolved inside the sandbox; gives up after 40 links (Linux's ELOOP limit) and
// returns what it has.
std::string real_path(const Sandbox& sandbox, std::string path);

}  // namespace burrow::fs
