// A `cpuid` that Burrow rewrites must leave everything but eax, ebx, ecx and edx as
// the instruction does: the other registers, the arithmetic flags and the red zone
// below the stack pointer. Prints what it finds; identical natively and in Burrow.
#include <stdint.h>
#include <stdio.h>

// out[0..9]: r8-r15, rbp, rsi after the cpuid; out[10]: CF, SF, ZF in bytes 0-2;
// out[11..13]: three red-zone words; out[14]: the upper halves of rax, rbx, rcx, rdx ORed.
void regs_around_cpuid(uint64_t* out);
__asm__(
    ".text\n"
    ".globl regs_around_cpuid\n"
    "regs_around_cpuid:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  movq $0x1234, -16(%rsp)\n"
    "  movq $0x5678, -64(%rsp)\n"
    "  movq $0x9abc, -120(%rsp)\n"
    "  mov $0x81, %r8\n  mov $0x82, %r9\n  mov $0x83, %r10\n  mov $0x84, %r11\n"
    "  mov $0x85, %r12\n  mov $0x86, %r13\n  mov $0x87, %r14\n  mov $0x88, %r15\n"
    "  mov $0x70, %rbp\n  mov $0x71, %rsi\n"
    "  mov $-1, %rbx\n  mov $-1, %rdx\n"
    "  mov $0xffffffff00000000, %rax\n  mov $0xffffffff00000000, %rcx\n"
    "  cmp $1, %r8\n"  /* 0x81 - 1: CF=0 SF=0 ZF=0 */
    "  stc\n"          /* CF=1 */
    "  cpuid\n"
    "  mov %r8, 0(%rdi)\n  mov %r9, 8(%rdi)\n  mov %r10, 16(%rdi)\n  mov %r11, 24(%rdi)\n"
    "  mov %r12, 32(%rdi)\n  mov %r13, 40(%rdi)\n  mov %r14, 48(%rdi)\n  mov %r15, 56(%rdi)\n"
    "  mov %rbp, 64(%rdi)\n  mov %rsi, 72(%rdi)\n"
    "  setc 80(%rdi)\n  sets 81(%rdi)\n  setz 82(%rdi)\n"
    "  shr $32, %rax\n  shr $32, %rbx\n  shr $32, %rcx\n  shr $32, %rdx\n"
    "  or %rbx, %rax\n  or %rcx, %rax\n  or %rdx, %rax\n  mov %rax, 112(%rdi)\n"
    "  mov -16(%rsp), %rax\n  mov %rax, 88(%rdi)\n"
    "  mov -64(%rsp), %rax\n  mov %rax, 96(%rdi)\n"
    "  mov -120(%rsp), %rax\n  mov %rax, 104(%rdi)\n"
    "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
    "  ret\n");

int main(void) {
  uint64_t out[15] = {0};
  regs_around_cpuid(out);
  const char* names[] = {"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rbp", "rsi"};
  for (int i = 0; i < 10; ++i) printf("%s=%#llx\n", names[i], (unsigned long long)out[i]);
  const uint8_t* flags = (const uint8_t*)&out[10];
  printf("CF=%u SF=%u ZF=%u\n", flags[0], flags[1], flags[2]);
  printf("red zone: %#llx %#llx %#llx\n", (unsigned long long)out[11], (unsigned long long)out[12],
         (unsigned long long)out[13]);
  printf("upper halves of rax rbx rcx rdx: %#llx\n", (unsigned long long)out[14]);
  return 0;
}
