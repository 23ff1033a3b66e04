// Shared by the fs_* test programs: errno names and a one-line report of a call,
// so native and Burrow runs print the same text for the same outcome.
#pragma once

#include <errno.h>
#include <stdio.h>

static const char *errno_name(int e) {
    static char other[32];
    static const struct { int code; const char *name; } names[] = {
        {EPERM, "EPERM"},     {ENOENT, "ENOENT"},   {EIO, "EIO"},           {ENXIO, "ENXIO"},
        {EBADF, "EBADF"},     {EAGAIN, "EAGAIN"},   {EACCES, "EACCES"},     {EFAULT, "EFAULT"},
        {EBUSY, "EBUSY"},     {EEXIST, "EEXIST"},   {EXDEV, "EXDEV"},       {ENODEV, "ENODEV"},
        {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},   {EINVAL, "EINVAL"},     {EMFILE, "EMFILE"},
        {ENOTTY, "ENOTTY"},   {ETXTBSY, "ETXTBSY"}, {EFBIG, "EFBIG"},       {ENOSPC, "ENOSPC"},
        {ESPIPE, "ESPIPE"},   {EROFS, "EROFS"},     {EMLINK, "EMLINK"},     {EPIPE, "EPIPE"},
        {ERANGE, "ERANGE"},   {ENAMETOOLONG, "ENAMETOOLONG"},               {ENOSYS, "ENOSYS"},
        {ENOTEMPTY, "ENOTEMPTY"}, {ELOOP, "ELOOP"}, {EOPNOTSUPP, "EOPNOTSUPP"}, {EOVERFLOW, "EOVERFLOW"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
        if (names[i].code == e) return names[i].name;
    snprintf(other, sizeof other, "errno %d", e);
    return other;
}

// Prints "WHAT = RESULT", or "WHAT = -1 ENAME" when the call failed.
static void show_result(const char *what, long result) {
    if (result < 0)
        printf("%s = -1 %s\n", what, errno_name(errno));
    else
        printf("%s = %ld\n", what, result);
}
#define SHOW(expr) show_result(#expr, (long)(expr))
