// Status and Result<T>: how every function below server/ reports failure.
//
// A Status is a code from error_codes.h plus an optional human-readable message. The OK status
// allocates nothing. Statuses are cheap to move and are [[nodiscard]] so that ignoring one is a
// compile-time warning. Thread-safety: a Status is a value; distinct objects may be used from
// distinct threads freely.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/error_codes.h"

namespace rookery {

enum class Code : uint8_t {
#define ROOKERY_ENUM_ENTRY(name, text, desc) name,
  ROOKERY_ERROR_CODES(ROOKERY_ENUM_ENTRY)
#undef ROOKERY_ENUM_ENTRY
};

// The stable name of a code ("NotFound"), used in logs and in error bodies.
std::string_view CodeName(Code code);
// A one-line description of what a caller may conclude from the code.
std::string_view CodeDescription(Code code);

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(Code code, std::string message);

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {Code::kAlreadyExists, std::move(msg)}; }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status NotSupported(std::string msg) { return {Code::kNotSupported, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {Code::kIOError, std::move(msg)}; }
  static Status NoSpace(std::string msg) { return {Code::kNoSpace, std::move(msg)}; }
  static Status FailedState(std::string msg) { return {Code::kFailedState, std::move(msg)}; }
  static Status Conflict(std::string msg) { return {Code::kConflict, std::move(msg)}; }
  static Status Busy(std::string msg) { return {Code::kBusy, std::move(msg)}; }
  static Status Timeout(std::string msg) { return {Code::kTimeout, std::move(msg)}; }
  static Status Aborted(std::string msg) { return {Code::kAborted, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) {
    return {Code::kPermissionDenied, std::move(msg)};
  }
  // Maps an errno value to the code a caller can act on (ENOSPC -> kNoSpace, ENOENT ->
  // kNotFound, ...) and appends strerror to `context`.
  static Status FromErrno(int err, std::string_view context);

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  // The message without the code name; empty for OK.
  std::string_view message() const;
  // "NotFound: users/1 does not exist", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status WithContext(std::string_view context) const;

  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsCorruption() const { return code() == Code::kCorruption; }

 private:
  struct State {
    Code code;
    std::string message;
  };
  std::unique_ptr<State> state_;
};

}  // namespace rookery

// Evaluates `expr` (a Status) and returns it from the enclosing function if it is not OK.
#define ROOKERY_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::rookery::Status rookery_status_ = (expr);        \
    if (!rookery_status_.ok()) return rookery_status_; \
  } while (0)
