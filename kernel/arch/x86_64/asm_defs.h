/* Constants for the assembly files, mirrored from abi/ (checked in asm_defs_check.cc). */
#pragma once

#define KERNEL_BASE 0xFFFFFFFF80200000
#define PER_CPU_BASE 0xFFFFFFFFFE000000
#define PER_CPU_SIZE 0x10000
#define MAX_CPUS 16
#define IST1_TOP 0x1000
#define KERNEL_STACK_TOP 0x10000
#define TRAP_FRAME_HW_OFFSET (IST1_TOP - 72)
#define EXCEPTION_IRET_FRAME_SIZE 40
#define USER_CS 0x23
#define USER_SS 0x1B
#define SHIM_PANIC_PORT 0xE9

/* PerCpu field offsets */
#define PC_USER_RSP 0x00
#define PC_RETURN_RIP 0x08
#define PC_RETURN_RSP 0x10
#define PC_SELF 0x18
#define PC_IN_KERNEL 0x30
#define PC_SIGNAL_PENDING 0x38
#define PC_LAST_NR 0x50
#define PC_CPUID_RESUME 0x58
#define PC_CPUID_RSP 0x60
#define SYSCALL_TABLE_SIZE 512
#define PC_RETURN_STUB 0x28

/* TrapFrame: r15 r14 r13 r12 r11 r10 r9 r8 rbp rdi rsi rdx rcx rbx rax
   vector error cr2 rip cs rflags rsp ss */
#define TF_R15 0
#define TF_R14 8
#define TF_R13 16
#define TF_R12 24
#define TF_R11 32
#define TF_R10 40
#define TF_R9 48
#define TF_R8 56
#define TF_RBP 64
#define TF_RDI 72
#define TF_RSI 80
#define TF_RDX 88
#define TF_RCX 96
#define TF_RBX 104
#define TF_RAX 112
#define TF_VECTOR 120
#define TF_ERROR 128
#define TF_CR2 136
#define TF_RIP 144
#define TF_CS 152
#define TF_RFLAGS 160
#define TF_RSP 168
#define TF_SS 176
#define TF_SIZE 184
/* The trap frame always sits at this distance below the kernel stack top. */
#define TF_FROM_TOP 192

/* TrapFrameHw (left by the shim at the top of IST1) */
#define HW_CR2 0
#define HW_RAX 8
#define HW_VECTOR 16
#define HW_ERROR 24
#define HW_RIP 32
#define HW_CS 40
#define HW_RFLAGS 48
#define HW_RSP 56
#define HW_SS 64

#define SYSCALL_VECTOR 0x100
/* TrapFrame::vector of a system call that came through a rewritten site. */
#define FAST_SYSCALL_VECTOR 0x101
