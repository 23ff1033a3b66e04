#!/usr/bin/env python3
"""Writes malformed variants of a good static x86-64 ELF, for Burrow's error tests.

Usage:
  make_bad_elves.py GOOD_ELF OUT_DIR   write every case into OUT_DIR
  make_bad_elves.py --list             print "NAME<TAB>STATUS<TAB>ERE" per case

The table below is the single list of cases: tests/integration/CMakeLists.txt
reads it through --list and registers one expect_error.sh test per line, running
`burrow run -- OUT_DIR/NAME`. STATUS may list alternatives ("125|126").
NOTE: ERE must not contain ';', '[' or ']' (CMake list syntax).
"""
import os
import random
import shutil
import stat
import struct
import sys

# ABI: ELF64 header and program header layouts (System V gABI, x86-64 psABI).
EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
PT_LOAD, PT_INTERP, PT_NOTE = 1, 3, 4
PF_X = 1

CANNOT_EXECUTE = "126"
NOT_FOUND = "127"
ANY_MESSAGE = "^burrow: .+"


class Elf:
    """A mutable copy of the good ELF with its header and program headers decoded."""

    def __init__(self, data):
        self.data = bytearray(data)
        fields = list(EHDR.unpack_from(self.data, 0))
        (self.ident, self.type, self.machine, self.version, self.entry, self.phoff,
         self.shoff, self.flags, self.ehsize, self.phentsize, self.phnum,
         self.shentsize, self.shnum, self.shstrndx) = fields
        if (self.ident[:4] != b"\x7fELF" or self.ident[4] != 2 or self.machine != 62
                or self.phentsize != PHDR.size):
            sys.exit("make_bad_elves.py: the input is not an x86-64 ELF64 file")
        self.original_phoff = self.phoff
        self.phdrs = [list(PHDR.unpack_from(self.data, self.phoff + i * self.phentsize))
                      for i in range(self.phnum)]

    def loads(self):
        return [p for p in self.phdrs if p[0] == PT_LOAD]

    def text(self):
        """The executable PT_LOAD (the one holding the entry point)."""
        return next(p for p in self.loads() if p[1] & PF_X)

    def last_load(self):
        """The highest PT_LOAD (data and bss), which does not hold the entry point."""
        return max(self.loads(), key=lambda p: p[3])

    def bytes(self):
        EHDR.pack_into(self.data, 0, self.ident, self.type, self.machine, self.version,
                       self.entry, self.phoff, self.shoff, self.flags, self.ehsize,
                       self.phentsize, self.phnum, self.shentsize, self.shnum, self.shstrndx)
        # The program headers go back where they were read from, even when a case
        # has changed e_phoff, e_phnum or e_phentsize to point elsewhere.
        for i, p in enumerate(self.phdrs):
            PHDR.pack_into(self.data, self.original_phoff + i * PHDR.size, *p)
        return bytes(self.data)


# Field indexes into a program header list.
P_TYPE, P_FLAGS, P_OFFSET, P_VADDR, P_PADDR, P_FILESZ, P_MEMSZ, P_ALIGN = range(8)


def patched(good, change):
    elf = Elf(good)
    change(elf)
    return elf.bytes()


def set_ident(index, value):
    def change(elf):
        ident = bytearray(elf.ident)
        ident[index] = value
        elf.ident = bytes(ident)
    return change


def set_field(name, value):
    return lambda elf: setattr(elf, name, value)


def filesz_above_memsz(elf):
    text = elf.text()
    text[P_MEMSZ] = text[P_FILESZ] // 2


def offset_beyond_eof(elf):
    # Moved by 1 GiB, so p_offset stays congruent to p_vaddr modulo p_align.
    elf.text()[P_OFFSET] += 1 << 30


def kernel_half_vaddr(elf):
    last = elf.last_load()
    page_offset = last[P_VADDR] % 4096
    last[P_VADDR] = last[P_PADDR] = 0xFFFF800000000000 + page_offset


def huge_bss(elf):
    elf.last_load()[P_MEMSZ] += 1 << 40  # 1 TiB, far beyond any --memory


def entry_outside_loads(elf):
    elf.entry = 0xDEAD0000
    for p in elf.loads():
        assert not p[P_VADDR] <= elf.entry < p[P_VADDR] + p[P_MEMSZ]


def no_load_segments(elf):
    for p in elf.loads():
        p[P_TYPE] = PT_NOTE


def with_interpreter(elf):
    # Turns a PT_NOTE into a PT_INTERP naming the usual dynamic loader, which
    # is how a dynamically linked program looks to the loader.
    note = next(p for p in elf.phdrs if p[P_TYPE] == PT_NOTE)
    path = b"/lib64/ld-linux-x86-64.so.2\0"
    note[P_TYPE] = PT_INTERP
    note[P_OFFSET] = len(elf.data)
    note[P_FILESZ] = note[P_MEMSZ] = len(path)
    note[P_VADDR] = note[P_PADDR] = 0
    note[P_ALIGN] = 1
    elf.data += path


def truncated_in_segment(good):
    text = Elf(good).text()
    return good[:text[P_OFFSET] + text[P_FILESZ] // 2]


def random_bytes(_good):
    return random.Random(1234).randbytes(4096)


# "#!" scripts run their interpreter (as execve does); these are the broken ones.
SHEBANG_MISSING = b"#!/nonexistent/interpreter -x\necho unreachable\n"
SHEBANG_EMPTY = b"#!   \necho unreachable\n"
SHEBANG_TOO_LONG = b"#!/bin/" + b"x" * 300 + b"\n"

# NAME, STATUS, ERE, how to make the file from the good ELF's bytes.
# A maker of None means a special case handled in write_cases().
CASES = [
    ("missing", "127", "No such file or directory", None),
    ("directory", CANNOT_EXECUTE, "Is a directory|Permission denied", None),
    ("not_executable", CANNOT_EXECUTE, "Permission denied", None),
    ("empty", CANNOT_EXECUTE, ANY_MESSAGE, lambda good: b""),
    ("ten_bytes", CANNOT_EXECUTE, ANY_MESSAGE, lambda good: good[:10]),
    ("shebang_missing_interpreter", NOT_FOUND, "cannot run its interpreter", lambda good: SHEBANG_MISSING),
    ("shebang_empty", CANNOT_EXECUTE, "names no interpreter", lambda good: SHEBANG_EMPTY),
    ("shebang_too_long", CANNOT_EXECUTE, "too long", lambda good: SHEBANG_TOO_LONG),
    ("random_bytes", CANNOT_EXECUTE, ANY_MESSAGE, random_bytes),
    ("elf32_class", CANNOT_EXECUTE, ANY_MESSAGE, lambda g: patched(g, set_ident(4, 1))),
    ("big_endian", CANNOT_EXECUTE, ANY_MESSAGE, lambda g: patched(g, set_ident(5, 2))),
    ("machine_aarch64", CANNOT_EXECUTE, ANY_MESSAGE, lambda g: patched(g, set_field("machine", 183))),
    ("type_rel", CANNOT_EXECUTE, ANY_MESSAGE, lambda g: patched(g, set_field("type", 1))),
    ("phoff_beyond_eof", CANNOT_EXECUTE, ANY_MESSAGE,
     lambda g: patched(g, set_field("phoff", len(g) + 4096))),
    ("phnum_huge", CANNOT_EXECUTE, ANY_MESSAGE, lambda g: patched(g, set_field("phnum", 0xFFFF))),
    ("phnum_zero", CANNOT_EXECUTE, ANY_MESSAGE, lambda g: patched(g, set_field("phnum", 0))),
    ("phentsize_wrong", CANNOT_EXECUTE, ANY_MESSAGE,
     lambda g: patched(g, set_field("phentsize", 32))),
    ("no_load_segments", CANNOT_EXECUTE, ANY_MESSAGE, lambda g: patched(g, no_load_segments)),
    ("load_filesz_above_memsz", CANNOT_EXECUTE, ANY_MESSAGE,
     lambda g: patched(g, filesz_above_memsz)),
    ("load_offset_beyond_eof", CANNOT_EXECUTE, ANY_MESSAGE,
     lambda g: patched(g, offset_beyond_eof)),
    ("load_vaddr_kernel_half", CANNOT_EXECUTE, ANY_MESSAGE,
     lambda g: patched(g, kernel_half_vaddr)),
    # Valid on paper, but cannot fit in the guest: a monitor or loader error.
    ("load_memsz_1tib", "125|126", ANY_MESSAGE, lambda g: patched(g, huge_bss)),
    # Linux would start it and die of SIGSEGV at once; refusing it is fine too.
    ("entry_outside_loads", "126|139", ANY_MESSAGE, lambda g: patched(g, entry_outside_loads)),
    ("truncated_in_segment", CANNOT_EXECUTE, ANY_MESSAGE, truncated_in_segment),
    # A static program that names an interpreter: ld.so starts and the program dies
    # of SIGSEGV, exactly as natively.
    ("dynamic_interp", "139", ANY_MESSAGE, lambda g: patched(g, with_interpreter)),
]


def write_cases(good_path, out_dir):
    with open(good_path, "rb") as f:
        good = f.read()
    Elf(good)  # validates the input
    os.makedirs(out_dir, exist_ok=True)
    for name, _status, _ere, make in CASES:
        path = os.path.join(out_dir, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.remove(path)
        if name == "missing":
            continue
        if name == "directory":
            os.mkdir(path)
            continue
        if name == "not_executable":
            shutil.copyfile(good_path, path)
            os.chmod(path, 0o644)
            continue
        with open(path, "wb") as f:
            f.write(make(good))
        os.chmod(path, 0o755)
    print(f"wrote {len(CASES)} bad-ELF cases into {out_dir}")


def main(argv):
    if argv[1:] == ["--list"]:
        for name, status, ere, _make in CASES:
            print(f"{name}\t{status}\t{ere}")
        return 0
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    write_cases(argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
