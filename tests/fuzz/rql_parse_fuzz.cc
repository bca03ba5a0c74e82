// libFuzzer target for query::ParseQuery (the RQL parser).
//
// For arbitrary bytes: ParseQuery must not crash, hang or overflow the stack; it must answer
// either a Query or one of the two documented errors (kInvalidArgument "Invalid RQL at line L,
// column C (offset O): expected ..., got ..." or kNotSupported "<construct> is not supported by
// Rookery yet (line L, column C); ..."), with a position inside the text whose line and column
// agree with its offset. An accepted query must have every position consistent the same way and
// a condition tree no deeper than the nesting limit allows. Any violation aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "query/parser.h"

namespace {

using rookery::query::Expr;
using rookery::query::FieldRef;
using rookery::query::Position;
using rookery::query::Query;
using rookery::query::ValueRef;

[[noreturn]] void Die(const char* what, std::string_view input, std::string_view detail) {
  std::fprintf(stderr, "rql_parse_fuzz: %s\ninput (%zu bytes): %.*s\ndetail: %.*s\n", what,
               input.size(), static_cast<int>(input.size()), input.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// Line and column of byte offsets, as the parser counts them ('\n' starts a line; columns count
// bytes). Line starts are found once per input so that checking every node stays linear.
class LineTable {
 public:
  explicit LineTable(std::string_view text) : text_(text) {
    starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') starts_.push_back(i + 1);
    }
  }

  void Check(const Position& p, const char* what) const {
    if (p.offset > text_.size()) Die("position beyond the text", text_, what);
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), size_t{p.offset});
    const size_t line = static_cast<size_t>(it - starts_.begin());
    const size_t column = p.offset - *(it - 1) + 1;
    if (line != p.line || column != p.column) {
      Die("line/column disagree with the offset", text_,
          std::string(what) + " at " + std::to_string(p.line) + ":" + std::to_string(p.column));
    }
  }

 private:
  std::string_view text_;
  std::vector<size_t> starts_;
};

void CheckField(const LineTable& lines, const FieldRef& f) {
  lines.Check(f.pos, "field");
}
void CheckValue(const LineTable& lines, const ValueRef& v) {
  lines.Check(v.pos, "value");
}

// Returns the height of the condition tree.
int CheckExpr(std::string_view text, const LineTable& lines, const Expr& e) {
  lines.Check(e.pos, "condition");
  const bool binary = e.kind == Expr::Kind::kAnd || e.kind == Expr::Kind::kOr;
  const bool unary = e.kind == Expr::Kind::kNot;
  if ((binary || unary) != (e.left != nullptr) || binary != (e.right != nullptr)) {
    Die("condition node has the wrong children", text, "");
  }
  int height = 0;
  if (e.left) height = CheckExpr(text, lines, *e.left);
  if (e.right) height = std::max(height, CheckExpr(text, lines, *e.right));
  if (!binary && !unary && e.kind != Expr::Kind::kTrue) {
    CheckField(lines, e.field);
    for (const ValueRef& v : e.values) CheckValue(lines, v);
  }
  return height + 1;
}

void CheckQuery(std::string_view text, const Query& q) {
  const LineTable lines(text);
  lines.Check(q.source_pos, "from");
  // 64 nesting levels, each holding a chain of at most ~2^20 operands as a balanced tree.
  if (q.where && CheckExpr(text, lines, *q.where) > 64 * 24) {
    Die("condition tree too deep", text, "");
  }
  for (const FieldRef& f : q.group_by) CheckField(lines, f);
  for (const auto& o : q.order_by) lines.Check(o.pos, "order by");
  for (const auto& l : q.loads) lines.Check(l.pos, "load");
  for (const auto& p : q.select) lines.Check(p.pos, "select");
  for (const FieldRef& f : q.includes) CheckField(lines, f);
  if (q.offset) CheckValue(lines, *q.offset);
  if (q.limit) CheckValue(lines, *q.limit);
}

// "... line L, column C ..." inside an error message, checked against the text. The message may
// quote the query text, which may itself contain the anchor: `at` is where the parser's own anchor
// is (the start of an InvalidQuery message; the last occurrence in a NotSupported one, whose
// position follows every quote).
void CheckErrorPosition(std::string_view text, std::string_view message, std::string_view anchor,
                        size_t at) {
  if (at == std::string_view::npos) Die("error without a position", text, message);
  unsigned line = 0;
  unsigned column = 0;
  const std::string rest(message.substr(at + anchor.size()));
  if (std::sscanf(rest.c_str(), "%u, column %u", &line, &column) != 2) {
    Die("error position does not parse", text, message);
  }
  if (line == 0 || column == 0 || column > text.size() + 1) {
    Die("error position outside the text", text, message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = rookery::query::ParseQuery(text);
  if (result.ok()) {
    CheckQuery(text, *result);
    return 0;
  }
  const rookery::Status& s = result.status();
  const std::string_view message = s.message();
  if (s.code() == rookery::Code::kInvalidArgument) {
    if (message.rfind("Invalid RQL at line ", 0) == 0) {
      CheckErrorPosition(text, message, "Invalid RQL at line ", 0);
      if (message.find("): expected ") == std::string_view::npos) {
        Die("error does not say what was expected", text, message);
      }
    } else if (message.rfind("Invalid RQL: the query text is ", 0) != 0) {
      Die("unexpected error message", text, message);
    }
  } else if (s.code() == rookery::Code::kNotSupported) {
    if (message.find(" is not supported by Rookery yet (line ") == std::string_view::npos) {
      Die("NotSupported without construct and position", text, message);
    }
    CheckErrorPosition(text, message, "yet (line ", message.rfind("yet (line "));
  } else {
    Die("unexpected error code", text, s.ToString());
  }
  return 0;
}
