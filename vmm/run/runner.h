// `burrow run`: load a program into a new VM, run it to its end, return its status.
#pragma once

#include "result.h"
#include "run/options.h"

namespace burrow::run {

Result<int> run(const RunOptions& options);

}  // namespace burrow::run
