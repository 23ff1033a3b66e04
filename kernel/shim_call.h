// Asks the CPL 0 shim for one privileged operation (abi::ShimOp). An ordinary call
// for the compiler: the gate clobbers only caller-saved registers.
#pragma once

#include <cstdint>

extern "C" void shim_call(uint64_t op, uint64_t arg);
