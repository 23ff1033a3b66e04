/* The vDSO image (kernel/vdso), embedded so that `burrow` is one self-contained
   file; run/address_space.cc maps it into every program. */
  .section .rodata
  .balign 4096
  .globl burrow_vdso_image
burrow_vdso_image:
  .incbin BURROW_VDSO_PATH
  .globl burrow_vdso_image_end
burrow_vdso_image_end:
  .section .note.GNU-stack,"",@progbits
