/*
 * The supervisor shim: the only guest code that runs at CPL 0. On PVM every CPL 0
 * instruction is emulated (~1 us each), so each path is a handful of instructions
 * that turn a trap into an entry into the personality at CPL 3, or perform one
 * privileged operation. Layout is part of the ABI (abi/layout.h): vector stubs at
 * +16*n, the service stub at +0x200, the double-fault stub at +0x300, per-CPU
 * SYSCALL stubs from +0x400. Every entry runs on an IST stack (the TSS gives each
 * vCPU its own), never on the program's stack, so its red zone survives.
 */
#include "arch/x86_64/asm_defs.h"

  .section .shim, "ax"
  .code64

.macro EXCEPTION_TO_PERSONALITY
  push %rax
  mov %cr2, %rax
  push %rax
  sub $EXCEPTION_IRET_FRAME_SIZE, %rsp
  iretq
.endm

/* Vectors 0..31. The CPU pushes an error code for 8, 10-14, 17, 21, 29, 30. A page
   fault, the common one, runs exception_common's body in its own 16 bytes. */
.macro VECTOR n
  .balign 16
0:
  .if (\n == 13)
  jmp shim_gp
  .elseif (\n == 14)
  pushq $14
  EXCEPTION_TO_PERSONALITY
  .elseif (\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
  pushq $\n
  jmp exception_common
  .else
  pushq $0
  pushq $\n
  jmp exception_common
  .endif
  /* The IDT points at shim_vectors + 16 * n: a longer stub fails to assemble here. */
  .org 0b + 16, 0xcc
.endm

  .globl shim_vectors
shim_vectors:
  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
  VECTOR \n
  .endr

/* #GP. At shim_service_gate it is the personality asking for a privileged
   operation: rax = ShimOp, rdi = argument; clobbers rax, rcx, rdx. Anything else is
   an ordinary exception. Stack: error code, rip, cs, rflags, rsp, ss. */
  .org 0x200
shim_gp:
  cmpq $shim_service_gate, 8(%rsp)
  jne 9f
  addq $1, 8(%rsp)
  add $8, %rsp
  cmp $1, %eax
  jne 1f
  invlpg (%rdi)
  iretq
1:cmp $2, %eax
  jne 2f
  mov %cr3, %rax
  mov %rax, %cr3
  iretq
2:cmp $3, %eax
  jne 3f
  mov $0xC0000100, %ecx
  mov %edi, %eax
  mov %rdi, %rdx
  shr $32, %rdx
  wrmsr
  iretq
3:sti
  hlt
  iretq
9:pushq $13
  jmp exception_common

/* From any vector: the hardware frame plus vector and error code are on IST1.
   Save rax and CR2 next to them, then iretq into the personality at CPL 3 on this
   vCPU's kernel stack through the frame the personality left right below
   (abi::kExceptionIretFrameOffset). */
exception_common:
  EXCEPTION_TO_PERSONALITY

/* Double fault (IST2): nothing can be trusted any more; stop the VM. */
  .org 0x300
shim_double_fault:
  outb %al, $SHIM_PANIC_PORT
  hlt
  jmp shim_double_fault

/* SYSCALL entry, one copy per vCPU (each vCPU's LSTAR points at its own), so the
   stub reaches its PerCpu block with absolute addresses and touches no register the
   program owns: RCX and R11 (user RIP and RFLAGS) go on to the personality. */
.macro SYSCALL_STUB cpu
  .balign 64
  mov %rsp, (PER_CPU_BASE + \cpu * PER_CPU_SIZE + PC_USER_RSP)
  mov $(PER_CPU_BASE + \cpu * PER_CPU_SIZE + KERNEL_STACK_TOP), %rsp
  pushq $USER_SS
  pushq $(PER_CPU_BASE + \cpu * PER_CPU_SIZE + KERNEL_STACK_TOP)
  pushq $0x202
  pushq $USER_CS
  pushq $personality_syscall_entry
  iretq
.endm

  .org 0x400
  .globl shim_syscall_stubs
shim_syscall_stubs:
  .irp cpu, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  SYSCALL_STUB \cpu
  .endr
  .section .note.GNU-stack,"",@progbits
