// Result<T>: a value or an Error that says what failed and which exit status the
// user should see (docker's convention: 125 monitor, 126 cannot execute, 127 not found).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace burrow {

enum class ExitCode : int {
  kMonitorFailed = 125,
  kCannotExecute = 126,
  kNotFound = 127,
};

struct Error {
  ExitCode code = ExitCode::kMonitorFailed;
  std::string message;
  int sys_errno = 0;  // when it is a system call's failure: what execve would return
};

inline Error make_error(ExitCode code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace burrow
