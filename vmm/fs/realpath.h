// Canonical guest paths: every symlink resolved inside the sandbox, as getcwd and
// /proc/self/exe show them.
#pragma once

#include <string>

#include "fs/sandbox.h"

namespace burrow::fs {

// Joins `rel` to `base` (absolute) and removes ".", ".." and "//" by name.
std::string normalize(const std::string& base, const std::string& rel);
// `path` (absolute) with every symlink resolved inside the sandbox, as Sandbox::canonical;
// `path` normalized when it does not resolve (missing, a loop, ...).
std::string real_path(const Sandbox& sandbox, std::string path);

}  // namespace burrow::fs
