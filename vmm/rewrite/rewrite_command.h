// `burrow rewrite IN -o OUT`: the command's body, for vmm/main.cc to call.
#pragma once

#include <string>

namespace burrow::rewrite {

// Rewrites the static executable `in` into `out` and prints a summary on stdout
// (with `verbose`, one line per syscall site). Returns the exit status: 0, or
// docker's 125/126/127 after one "burrow: ..." line on stderr.
int run_rewrite_command(const std::string& in, const std::string& out, bool verbose);

}  // namespace burrow::rewrite
