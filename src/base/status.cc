#include "base/status.h"

#include <cerrno>
#include <cstring>

namespace rookery {
namespace {

struct CodeInfo {
  std::string_view name;
  std::string_view description;
};

constexpr CodeInfo kCodeTable[] = {
#define ROOKERY_TABLE_ENTRY(name, text, desc) {text, desc},
    ROOKERY_ERROR_CODES(ROOKERY_TABLE_ENTRY)
#undef ROOKERY_TABLE_ENTRY
};

constexpr size_t kCodeCount = sizeof(kCodeTable) / sizeof(kCodeTable[0]);

}  // namespace

std::string_view CodeName(Code code) {
  auto i = static_cast<size_t>(code);
  return i < kCodeCount ? kCodeTable[i].name : std::string_view("Unknown");
}

std::string_view CodeDescription(Code code) {
  auto i = static_cast<size_t>(code);
  return i < kCodeCount ? kCodeTable[i].description : std::string_view("unknown code");
}

Status::Status(Code code, std::string message) {
  if (code != Code::kOk) state_ = std::make_unique<State>(State{code, std::move(message)});
}

Status::Status(const Status& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  return *this;
}

std::string_view Status::message() const {
  return state_ ? std::string_view(state_->message) : std::string_view();
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(state_->code));
  if (!state_->message.empty()) {
    out += ": ";
    out += state_->message;
  }
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return Status();
  std::string msg(context);
  msg += ": ";
  msg += state_->message;
  return Status(state_->code, std::move(msg));
}

Status Status::FromErrno(int err, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  Code code = Code::kIOError;
  switch (err) {
    case ENOENT:
      code = Code::kNotFound;
      break;
    case EEXIST:
      code = Code::kAlreadyExists;
      break;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      code = Code::kNoSpace;
      break;
    case EACCES:
    case EPERM:
    case EROFS:
      code = Code::kPermissionDenied;
      break;
    case EINVAL:
    case ENAMETOOLONG:
    case ENOTDIR:
    case EISDIR:
      code = Code::kInvalidArgument;
      break;
    case EAGAIN:
    case EBUSY:
      code = Code::kBusy;
      break;
    default:
      break;
  }
  return Status(code, std::move(msg));
}

}  // namespace rookery
