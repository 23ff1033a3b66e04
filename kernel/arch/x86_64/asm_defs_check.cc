// Keeps the assembly's constants equal to the C++ contract they mirror.
#include <cstddef>

#include "arch/x86_64/asm_defs.h"
#include "burrow/abi/hypercall.h"
#include "burrow/abi/percpu.h"

namespace burrow::abi {
static_assert(KERNEL_BASE == kKernelBase);
static_assert(PER_CPU_BASE == kPerCpuBase);
static_assert(PER_CPU_SIZE == kPerCpuSize);
static_assert(MAX_CPUS == kMaxCpus);
static_assert(IST1_TOP == kIst1Top);
static_assert(KERNEL_STACK_TOP == kKernelStackTop);
static_assert(TRAP_FRAME_HW_OFFSET == kTrapFrameHwOffset);
static_assert(EXCEPTION_IRET_FRAME_SIZE == sizeof(ExceptionIretFrame) &&
              kExceptionIretFrameOffset == kTrapFrameHwOffset - EXCEPTION_IRET_FRAME_SIZE);
static_assert(USER_CS == kUserCs && USER_SS == kUserSs);
static_assert(SHIM_PANIC_PORT == kShimPanicPort);
static_assert(PC_USER_RSP == offsetof(PerCpu, user_rsp));
static_assert(PC_RETURN_RIP == offsetof(PerCpu, return_rip));
static_assert(PC_RETURN_RSP == offsetof(PerCpu, return_rsp));
static_assert(PC_RETURN_STUB == offsetof(PerCpu, return_stub));
static_assert(PC_SELF == offsetof(PerCpu, self));
static_assert(PC_IN_KERNEL == offsetof(PerCpu, in_kernel));
static_assert(PC_SIGNAL_PENDING == offsetof(PerCpu, signal_pending));
static_assert(PC_LAST_NR == offsetof(PerCpu, last_nr));
static_assert(PC_CPUID_RESUME == offsetof(PerCpu, cpuid_resume) && PC_CPUID_RSP == offsetof(PerCpu, cpuid_rsp));
static_assert(SYSCALL_VECTOR == kSyscallVector && FAST_SYSCALL_VECTOR == kFastSyscallVector);
static_assert(TF_R15 == offsetof(TrapFrame, r15) && TF_R8 == offsetof(TrapFrame, r8));
static_assert(TF_RBP == offsetof(TrapFrame, rbp) && TF_RAX == offsetof(TrapFrame, rax));
static_assert(TF_VECTOR == offsetof(TrapFrame, vector) && TF_CR2 == offsetof(TrapFrame, cr2));
static_assert(TF_RIP == offsetof(TrapFrame, rip) && TF_SS == offsetof(TrapFrame, ss));
static_assert(TF_SIZE == sizeof(TrapFrame));
static_assert(TF_FROM_TOP >= TF_SIZE && TF_FROM_TOP % 16 == 0);
static_assert(TF_FROM_TOP == kTrapFrameFromTop);
static_assert(HW_CR2 == offsetof(TrapFrameHw, cr2) && HW_RAX == offsetof(TrapFrameHw, rax));
static_assert(HW_VECTOR == offsetof(TrapFrameHw, vector) && HW_RIP == offsetof(TrapFrameHw, rip));
static_assert(HW_RSP == offsetof(TrapFrameHw, rsp) && HW_SS == offsetof(TrapFrameHw, ss));
static_assert(kShimGpStub == KERNEL_BASE + 0x200);
static_assert(kShimDoubleFaultStub == KERNEL_BASE + 0x300);
static_assert(kShimSyscallStubs == KERNEL_BASE + 0x400);
}  // namespace burrow::abi
