// The program break, kept by mm.cc.
#pragma once

#include <cstdint>

namespace burrow::kernel {

void brk_init(uint64_t start);

}  // namespace burrow::kernel
