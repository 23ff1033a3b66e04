// Burrow's per-user cache directories ($XDG_CACHE_HOME/burrow/<name>): the rewriter's
// analyses and the page profiles live there. What is read from them steers how a
// program is loaded, so a directory is used only when it is the user's alone.
#pragma once

#include <filesystem>
#include <string_view>

namespace burrow::rewrite {

// $XDG_CACHE_HOME/burrow/<name>, else $HOME/.cache/burrow/<name>, else empty. Only
// under a root that exists: never creates $HOME or a cache root that is not there.
std::filesystem::path default_cache_dir(std::string_view name);

// Creates what is missing of `dir` with mode 0700 and accepts it only if it is a real
// directory owned by this user that no one else may write, reached through
// directories that are root's or this user's and not writable by others (unless
// sticky, like /tmp), as ssh checks its files' directories.
bool private_cache_dir(const std::filesystem::path& dir);

}  // namespace burrow::rewrite
