/*
 * The personality's entry and exit paths, at CPL 3. Entries arrive from the shim on
 * this vCPU's kernel stack; they save the interrupted program state into a TrapFrame
 * at a fixed place below the stack top, call the C++ handler, then return to the
 * program without a trap: registers are restored, RFLAGS with popfq, and a per-CPU
 * return stub loads the program's RSP and jumps to its RIP with absolute addresses.
 * Nothing is ever written below the program's RSP, so its red zone survives.
 */
#include "arch/x86_64/asm_defs.h"

  .text
  .code64

/* Boot: the monitor starts vCPU n here at CPL 3, rsp = its kernel stack top,
   rdi = BootInfo (direct map), rsi = n. */
  .globl kernel_boot
kernel_boot:
  sub $TF_FROM_TOP, %rsp
  call kernel_main
  ud2

/* Every register from the TrapFrame at rsp, then RFLAGS; leaves rsp = frame + TF_RSP. */
.macro RESTORE_GPRS_AND_RFLAGS
  mov TF_R15(%rsp), %r15
  mov TF_R14(%rsp), %r14
  mov TF_R13(%rsp), %r13
  mov TF_R12(%rsp), %r12
  mov TF_R11(%rsp), %r11
  mov TF_R10(%rsp), %r10
  mov TF_R9(%rsp), %r9
  mov TF_R8(%rsp), %r8
  mov TF_RBP(%rsp), %rbp
  mov TF_RDI(%rsp), %rdi
  mov TF_RSI(%rsp), %rsi
  mov TF_RDX(%rsp), %rdx
  mov TF_RCX(%rsp), %rcx
  mov TF_RBX(%rsp), %rbx
  mov TF_RAX(%rsp), %rax
  lea TF_RFLAGS(%rsp), %rsp
  popfq
.endm

.macro SAVE_GPRS_EXCEPT_RAX
  mov %r15, TF_R15(%rsp)
  mov %r14, TF_R14(%rsp)
  mov %r13, TF_R13(%rsp)
  mov %r12, TF_R12(%rsp)
  mov %r11, TF_R11(%rsp)
  mov %r10, TF_R10(%rsp)
  mov %r9, TF_R9(%rsp)
  mov %r8, TF_R8(%rsp)
  mov %rbp, TF_RBP(%rsp)
  mov %rdi, TF_RDI(%rsp)
  mov %rsi, TF_RSI(%rsp)
  mov %rdx, TF_RDX(%rsp)
  mov %rcx, TF_RCX(%rsp)
  mov %rbx, TF_RBX(%rsp)
.endm

/* The rest of a TrapFrame at rsp for a system call (rax and the GPRs saved):
   rip = rcx, rflags = r11, rsp from PerCpu::user_rsp. Clobbers rax. */
.macro SYSCALL_FRAME_REST
  movq $0, TF_ERROR(%rsp)
  movq $0, TF_CR2(%rsp)
  mov %rcx, TF_RIP(%rsp)
  movq $USER_CS, TF_CS(%rsp)
  mov %r11, TF_RFLAGS(%rsp)
  mov (PC_USER_RSP - PER_CPU_SIZE + TF_FROM_TOP)(%rsp), %rax
  mov %rax, TF_RSP(%rsp)
  movq $USER_SS, TF_SS(%rsp)
.endm

/* From the SYSCALL stub: rcx = program RIP, r11 = program RFLAGS, program RSP in
   PerCpu::user_rsp. */
  .globl personality_syscall_entry
personality_syscall_entry:
  sub $TF_FROM_TOP, %rsp
  SAVE_GPRS_EXCEPT_RAX
  mov %rax, TF_RAX(%rsp)
  movq $SYSCALL_VECTOR, TF_VECTOR(%rsp)
syscall_frame_rest:
  SYSCALL_FRAME_REST
  mov %rsp, %rdi
  call handle_syscall
  /* Nonzero: the frame changed beyond rax (a signal handler to enter, or
     rt_sigreturn): every register comes back from it. */
  test %eax, %eax
  jnz return_to_user
  jmp syscall_return

/* From the exception shim: the hardware frame, vector, error, rax and CR2 are at
   the top of IST1 in this PerCpu block. */
  .globl personality_exception_entry
personality_exception_entry:
  sub $TF_FROM_TOP, %rsp
  SAVE_GPRS_EXCEPT_RAX
  lea (TRAP_FRAME_HW_OFFSET - PER_CPU_SIZE + TF_FROM_TOP)(%rsp), %rbx
  mov HW_RAX(%rbx), %rax
  mov %rax, TF_RAX(%rsp)
  mov HW_VECTOR(%rbx), %rax
  mov %rax, TF_VECTOR(%rsp)
  mov HW_ERROR(%rbx), %rax
  mov %rax, TF_ERROR(%rsp)
  mov HW_CR2(%rbx), %rax
  mov %rax, TF_CR2(%rsp)
  mov HW_RIP(%rbx), %rax
  mov %rax, TF_RIP(%rsp)
  mov HW_CS(%rbx), %rax
  mov %rax, TF_CS(%rsp)
  mov HW_RFLAGS(%rbx), %rax
  mov %rax, TF_RFLAGS(%rsp)
  mov HW_RSP(%rbx), %rax
  mov %rax, TF_RSP(%rsp)
  mov HW_SS(%rbx), %rax
  mov %rax, TF_SS(%rsp)
  mov %rsp, %rdi
  call handle_exception
  jmp return_to_user

/* rsp = the TrapFrame; the C++ side has copied its rip/rsp into PerCpu::return_*. */
  .globl return_to_user
return_to_user:
  RESTORE_GPRS_AND_RFLAGS
  /* rsp = frame + TF_RSP now. */
  jmp *(PC_RETURN_STUB - PER_CPU_SIZE + TF_FROM_TOP - TF_RSP)(%rsp)

/* After a system call, rcx = the resume address and r11 = RFLAGS by definition
   (handle_syscall keeps TrapFrame::rcx = rip): restore the registers, then RFLAGS,
   then RSP, and jump through rcx. No per-CPU return stub is needed. */
syscall_return:
  RESTORE_GPRS_AND_RFLAGS
  /* rsp = frame + TF_RSP now. */
  mov (%rsp), %rsp
  jmp *%rcx

/* shim_call(op, arg): the privileged-operation gate (see shim.S, #GP). */
  .globl shim_call
shim_call:
  mov %rdi, %rax
  mov %rsi, %rdi
  .globl shim_service_gate
shim_service_gate:
  hlt
  ret

/* The monitor stopped the vCPU in the program's code for a signal sent to burrow from
   outside: it saved the program's state in the TrapFrame at rsp (= rdi) and sent
   the vCPU here, at CPL 3 like the program. */
  .globl host_signal_entry
host_signal_entry:
  call handle_host_signal
  jmp return_to_user

/* enter_user(TrapFrame*): first entry into the program. */
  .globl enter_user
enter_user:
  mov %rdi, %rsp
  jmp return_to_user

.macro RETURN_STUB cpu
  .balign 16
  mov (PER_CPU_BASE + \cpu * PER_CPU_SIZE + PC_RETURN_RSP), %rsp
  jmp *(PER_CPU_BASE + \cpu * PER_CPU_SIZE + PC_RETURN_RIP)
.endm

  .balign 16
  .globl return_stubs
return_stubs:
  .irp cpu, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  RETURN_STUB \cpu
  .endr

/* Rewritten system call sites jump here from their trampolines, without a trap
   (abi::kFastSyscallEntry: the linker script puts this section first, at a fixed
   address). eax = number, rcx = resume address, r11 free; GS base = this vCPU's
   PerCpu block. Only mov and lea run before RFLAGS are saved, so the program's
   flags come back as they were; DF is cleared for the C++ code, as SYSCALL's
   flag mask does on Linux.
   The light path calls the handler with the six argument registers as its array,
   saving only what the C ABI lets it clobber (the handler keeps rbx, rbp and
   r12-r15): no TrapFrame, no dispatch, no bookkeeping but a counter. It is taken
   unless the number has no handler in burrow_syscall_fns (unknown: the full path
   reports it; under --strace the table is empty, so every call is traced) or the
   personality is already running (the full path reports the bug). */
  .section .fast_entry, "ax"
  .globl fast_syscall_entry
fast_syscall_entry:
  mov %rsp, %gs:PC_USER_RSP
  mov %gs:PC_SELF, %rsp
  lea KERNEL_STACK_TOP(%rsp), %rsp
  pushfq
  pop %r11
  cld
  cmpq $0, %gs:PC_IN_KERNEL
  jne 1f
  cmp $SYSCALL_TABLE_SIZE, %rax
  jae 1f
  push %r11
  mov burrow_syscall_fns(%rip), %r11
  mov (%r11,%rax,8), %r11
  test %r11, %r11
  jz 2f
  movq $1, %gs:PC_IN_KERNEL
  mov %rax, %gs:PC_LAST_NR  /* for a restart after a signal (deliver_after_light_call) */
  push %rcx
  push %r9
  push %r8
  push %r10
  push %rdx
  push %rsi
  push %rdi
  mov %rsp, %rdi
  call *%r11
  pop %rdi
  pop %rsi
  pop %rdx
  pop %r10
  pop %r8
  pop %r9
  pop %rcx
  pop %r11
  cmpq $0, %gs:PC_SIGNAL_PENDING
  jne 4f
  movq $0, %gs:PC_IN_KERNEL
  /* popfq costs ~15 ns; the arithmetic flags come back cheaper: OF from an add
     that overflows exactly when it was set, then SF ZF AF PF CF with sahf (which
     leaves OF alone). Anything else set (DF, TF, AC, ...): popfq. */
  test $-0xad8, %r11  /* ~(CF|1|PF|AF|ZF|SF|IF|OF) */
  jnz 3f
  push %rax
  mov %r11d, %eax
  shr $11, %eax
  and $1, %eax
  add $0x7fffffff, %eax
  mov %r11d, %eax
  mov %al, %ah
  sahf
  pop %rax
  mov %gs:PC_USER_RSP, %rsp
  jmp *%rcx
3:push %r11
  popfq
  mov %gs:PC_USER_RSP, %rsp
  jmp *%rcx
2:pop %r11
1:sub $TF_FROM_TOP, %rsp
  SAVE_GPRS_EXCEPT_RAX
  mov %rax, TF_RAX(%rsp)
  movq $FAST_SYSCALL_VECTOR, TF_VECTOR(%rsp)
  jmp syscall_frame_rest
/* The call raised a signal for a handler: with the program's registers back as the
   light path saved them (rax = the result, r11 = RFLAGS), the full frame, in which
   the handler is entered. */
4:sub $TF_FROM_TOP, %rsp
  SAVE_GPRS_EXCEPT_RAX
  mov %rax, TF_RAX(%rsp)
  movq $FAST_SYSCALL_VECTOR, TF_VECTOR(%rsp)
  SYSCALL_FRAME_REST
  mov %rsp, %rdi
  call deliver_after_light_call
  jmp return_to_user

/* Rewritten `cpuid` sites jump here from their trampolines (abi::kFastCpuidEntry):
   eax = leaf, ecx = subleaf, rbx = where to resume (cpuid overwrites rbx anyway).
   cpuid_lookup answers from the vCPU's CPUID table; the answer goes to eax, ebx, ecx
   and edx with their upper halves cleared, as the instruction leaves them. Every
   other register and RFLAGS come back as they were (no instruction before the
   pushfq touches the flags). The personality's stack is free: the program runs. */
  .section .fast_cpuid, "ax"
  .globl fast_cpuid_entry
fast_cpuid_entry:
  mov %rbx, %gs:PC_CPUID_RESUME
  mov %rsp, %gs:PC_CPUID_RSP
  mov %gs:PC_SELF, %rsp
  lea KERNEL_STACK_TOP(%rsp), %rsp
  pushfq
  push %rsi
  push %rdi
  push %r8
  push %r9
  push %r10
  push %r11
  sub $24, %rsp
  mov %eax, %edi
  mov %ecx, %esi
  mov %rsp, %rdx
  cld
  call cpuid_lookup
  mov 0(%rsp), %eax
  mov 4(%rsp), %ebx
  mov 8(%rsp), %ecx
  mov 12(%rsp), %edx
  add $24, %rsp
  pop %r11
  pop %r10
  pop %r9
  pop %r8
  pop %rdi
  pop %rsi
  popfq
  mov %gs:PC_CPUID_RSP, %rsp
  /* cpuid serializes: code that times with `cpuid; rdtsc` relies on it. mfence
     drains the stores, lfence keeps what follows from starting early (neither
     touches the flags). */
  mfence
  lfence
  jmp *%gs:PC_CPUID_RESUME

  .section .note.GNU-stack,"",@progbits
