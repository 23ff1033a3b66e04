/* The guest kernel ELF, embedded so that `burrow` is one self-contained file. */
  .section .rodata
  .balign 4096
  .globl burrow_kernel_image
burrow_kernel_image:
  .incbin BURROW_KERNEL_PATH
  .globl burrow_kernel_image_end
burrow_kernel_image_end:
  .section .note.GNU-stack,"",@progbits
