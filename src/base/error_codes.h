// The one table of Rookery error codes.
//
// A new code is added only when a caller can react to it differently from every existing one
// (architecture.md, habit 2). Corruption always has its own code. The table is an X-macro so that
// the enum, the names and the descriptions cannot drift apart.
#pragma once

// X(EnumName, "StableName", "what it means to a caller")
#define ROOKERY_ERROR_CODES(X)                                                               \
  X(kOk, "Ok", "success")                                                                    \
  X(kNotFound, "NotFound", "the named thing does not exist")                                 \
  X(kAlreadyExists, "AlreadyExists", "the named thing exists already")                       \
  X(kInvalidArgument, "InvalidArgument", "the caller passed a value that can never work")    \
  X(kNotSupported, "NotSupported", "valid but not implemented; see docs/compatibility.md")   \
  X(kCorruption, "Corruption", "stored data failed a checksum or structural check")          \
  X(kIOError, "IOError", "the operating system reported an I/O error")                       \
  X(kNoSpace, "NoSpace", "the device or a configured limit is full")                         \
  X(kFailedState, "FailedState", "an earlier fatal error stopped this component; reopen it") \
  X(kConflict, "Conflict", "optimistic concurrency check failed")                            \
  X(kBusy, "Busy", "temporarily unavailable; retrying later may succeed")                    \
  X(kTimeout, "Timeout", "the operation did not finish in the time allowed")                 \
  X(kAborted, "Aborted", "the operation was cancelled before it took effect")                \
  X(kPermissionDenied, "PermissionDenied", "the operating system refused access")            \
  X(kInternal, "Internal", "a bug: an invariant of Rookery itself does not hold")
