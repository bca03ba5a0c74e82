// Result<T>: a value or a non-OK Status.
//
// Use for functions that produce a value and can fail. Accessing value() of a failed result, or
// constructing a Result from an OK Status, is a bug and aborts (it would otherwise hide an error).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "base/status.h"

namespace rookery {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) {
      std::fputs("rookery: Result constructed from an OK Status\n", stderr);
      std::abort();
    }
  }

  bool ok() const { return value_.has_value(); }
  // OK when a value is present.
  const Status& status() const { return status_; }

  T& value() & { return Checked(), *value_; }
  const T& value() const& { return Checked(), *value_; }
  T&& value() && { return Checked(), std::move(*value_); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  void Checked() const {
    if (!value_) {
      std::fprintf(stderr, "rookery: value() of a failed Result: %s\n", status_.ToString().c_str());
      std::abort();
    }
  }

  std::optional<T> value_;
  Status status_;
};

}  // namespace rookery

#define ROOKERY_CONCAT_INNER(a, b) a##b
#define ROOKERY_CONCAT(a, b) ROOKERY_CONCAT_INNER(a, b)

// ROOKERY_ASSIGN_OR_RETURN(auto file, env->OpenFile(path, opts));
// Declares/assigns `lhs` from a Result, or returns its Status from the enclosing function.
#define ROOKERY_ASSIGN_OR_RETURN(lhs, expr) \
  ROOKERY_ASSIGN_OR_RETURN_IMPL(ROOKERY_CONCAT(rookery_result_, __LINE__), lhs, expr)
#define ROOKERY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
