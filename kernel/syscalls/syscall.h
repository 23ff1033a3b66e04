// How system calls are declared and dispatched. A handler looks like Linux's:
//   int64_t sys_write(int fd, UserPtr<const char> buf, uint64_t count);
// returns a value or -errno; adapt<> turns the six raw registers into its arguments.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "syscalls/errno.h"
#include "uaccess.h"

namespace burrow::kernel {

template <class T>
struct IsUserPtr : std::false_type {};
template <class T>
struct IsUserPtr<UserPtr<T>> : std::true_type {};

template <class T>
T arg_cast(uint64_t v) {
  if constexpr (IsUserPtr<T>::value)
    return T(v);
  else
    return static_cast<T>(v);
}

template <class F>
struct HandlerTraits;
template <class... A>
struct HandlerTraits<int64_t (*)(A...)> {
  static_assert(sizeof...(A) <= 6, "x86-64 system calls take at most six arguments");
  template <auto Fn, size_t... I>
  static int64_t call(const uint64_t* args, std::index_sequence<I...>) {
    return Fn(arg_cast<A>(args[I])...);
  }
  template <auto Fn>
  static int64_t call(const uint64_t* args) {
    return call<Fn>(args, std::index_sequence_for<A...>{});
  }
};

using SyscallFn = int64_t (*)(const uint64_t* args);

template <auto Fn>
int64_t adapt(const uint64_t* args) {
  return HandlerTraits<decltype(Fn)>::template call<Fn>(args);
}

// Once per distinct message: tells the user what the program asked for that Burrow
// does not do yet. The caller returns -ENOSYS.
int64_t unsupported(const char* what);

// Rewritten sites call handlers directly (the light path) unless turned off: then
// every call takes the full path, which checks the interval timer.
void light_path_enable(bool on);

// The soft limit of an rlimit resource (RLIMIT_*), as setrlimit left it.
uint64_t rlimit_current(int resource);

}  // namespace burrow::kernel
