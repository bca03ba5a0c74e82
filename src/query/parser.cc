// RQL clauses: from, group by, load, order by, select, update, include, limit/offset; and
// ParseQuery, the one place where the parser's exceptions become a Status.
#include "query/parser.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <string>
#include <system_error>
#include <utility>

#include "base/utf8.h"
#include "query/parser_internal.h"

namespace rookery::query {

namespace internal {

namespace {

// Clause stages in the order RavenDB requires them (QueryParser.TryParse); `load` may also come
// right after `from`/`group by` (before `where`), an extension so that `where` can use it.
enum Stage : int {
  kStageFrom,
  kStageGroupBy,
  kStageEarlyLoad,
  kStageWhere,
  kStageOrderBy,
  kStageLoad,
  kStageSelect,
  kStageUpdate,
  kStageInclude,
  kStageLimit,
  kStageOffset,
};

constexpr std::string_view kClauseOrder =
    " (clauses go in this order: from, group by, where, order by, load, select or update, "
    "include, limit, offset)";

std::string JoinAlternatives(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

// A number literal as JSON: int64, else uint64, else double (RavenDB's long/double).
bool ParseNumberLiteral(std::string_view text, json::Value* out) {
  std::string digits;
  digits.reserve(text.size());
  for (char c : text) {
    if (c != '_') digits.push_back(c);
  }
  const char* first = digits.data();
  const char* last = digits.data() + digits.size();
  const bool integral = digits.find_first_of(".eE") == std::string::npos;
  if (integral) {
    int64_t i = 0;
    auto r = std::from_chars(first, last, i);
    if (r.ec == std::errc() && r.ptr == last) {
      *out = json::Value::Int(i);
      return true;
    }
    uint64_t u = 0;
    r = std::from_chars(first, last, u);
    if (r.ec == std::errc() && r.ptr == last) {
      *out = json::Value::Uint(u);
      return true;
    }
  }
  double d = 0;
  auto r = std::from_chars(first, last, d);
  if (r.ec != std::errc() || r.ptr != last) return false;
  *out = json::Value::Double(d);
  return true;
}

}  // namespace

std::string RawPath::Joined(size_t from) const {
  std::string out;
  for (size_t i = from; i < segments.size(); ++i) {
    if (i > from) out.push_back('.');
    out += segments[i];
  }
  return out;
}

bool RawPath::IsName() const {
  if (first_quoted) return false;
  return std::none_of(segments.begin(), segments.end(),
                      [](const std::string& s) { return s.find("[]") != std::string::npos; });
}

bool Parser::IsReserved(const Token& t) {
  static constexpr std::string_view kReserved[] = {"as",     "select", "where",   "load",
                                                   "group",  "order",  "include", "update",
                                                   "offset", "limit",  "filter"};
  return std::any_of(std::begin(kReserved), std::end(kReserved),
                     [&](std::string_view k) { return t.IsKeyword(k); });
}

void Parser::Fail(const Token& got, std::string_view expected) const {
  throw LexError{got.pos, "expected " + std::string(expected) + ", got " + got.Describe()};
}

void Parser::Unsupported(Position pos, std::string construct) const {
  throw UnsupportedError{pos, std::move(construct)};
}

bool Parser::Accept(std::string_view punct) {
  if (!lex_.Peek().Is(punct)) return false;
  lex_.Next();
  return true;
}

void Parser::Expect(std::string_view punct, std::string_view expected) {
  if (!lex_.Peek().Is(punct)) Fail(lex_.Peek(), expected);
  lex_.Next();
}

void Parser::ExpectKeyword(std::string_view keyword) {
  if (!lex_.Peek().IsKeyword(keyword)) Fail(lex_.Peek(), "'" + std::string(keyword) + "'");
  lex_.Next();
}

RawPath Parser::ParsePath(std::string_view expected) {
  RawPath path;
  path.pos = lex_.Peek().pos;
  while (true) {
    const Token& t = lex_.Peek();
    const bool first = path.segments.empty();
    if (t.kind == TokenKind::kIdentifier && !(first && IsReserved(t))) {
      path.segments.emplace_back(t.text);
    } else if (t.kind == TokenKind::kString) {
      path.segments.push_back(t.value);
      if (first) path.first_quoted = true;
    } else if (!first && t.kind == TokenKind::kNumber &&
               t.text.find_first_not_of("0123456789") == std::string_view::npos) {
      path.segments.emplace_back(t.text);
    } else {
      Fail(t, first ? expected : "a field name after '.'");
    }
    lex_.Next();
    while (lex_.Peek().Is("[")) {
      lex_.Next();
      const Token& inner = lex_.Peek();
      if (inner.kind == TokenKind::kNumber)
        Unsupported(inner.pos, "an array index ([n]) in a path");
      if (!inner.Is("]")) Fail(inner, "']' (array paths are written Lines[].Product)");
      lex_.Next();
      path.segments.back() += "[]";
    }
    if (!lex_.Peek().Is(".")) return path;
    lex_.Next();
  }
}

FieldRef Parser::Resolve(const RawPath& path) const {
  FieldRef f;
  f.pos = path.pos;
  size_t skip = 0;
  if (!path.first_quoted && !path.segments.empty()) {
    const std::string& root = path.segments[0];
    if (!from_alias_.empty() && root == from_alias_) {
      skip = 1;
    } else if (std::find(load_aliases_.begin(), load_aliases_.end(), root) != load_aliases_.end()) {
      f.source = root;
      skip = 1;
    }
  }
  f.path = path.Joined(skip);
  return f;
}

FieldRef Parser::ParseIdCall(const RawPath& name) {
  Expect("(", "'('");
  FieldRef f;
  f.kind = FieldRef::Kind::kId;
  f.pos = name.pos;
  if (!lex_.Peek().Is(")")) {
    const Token& t = lex_.Peek();
    if (t.kind != TokenKind::kIdentifier || IsReserved(t)) Fail(t, "')' or an alias in id()");
    const std::string alias(t.text);
    if (alias != from_alias_) {
      if (std::find(load_aliases_.begin(), load_aliases_.end(), alias) == load_aliases_.end()) {
        Fail(t, "')' or a known alias in id()");
      }
      f.source = alias;
    }
    lex_.Next();
  }
  Expect(")", "')' to close id(");
  return f;
}

std::string Parser::ParseAliasName(std::string_view expected) {
  const Token& t = lex_.Peek();
  std::string name;
  if (t.kind == TokenKind::kIdentifier && !IsReserved(t)) {
    name = std::string(t.text);
  } else if (t.kind == TokenKind::kString) {
    name = t.value;
  } else {
    Fail(t, expected);
  }
  lex_.Next();
  return name;
}

bool Parser::StartsValue(const Token& t) const {
  return t.kind == TokenKind::kString || t.kind == TokenKind::kNumber ||
         t.kind == TokenKind::kParameter || t.IsKeyword("true") || t.IsKeyword("false") ||
         t.IsKeyword("null");
}

ValueRef Parser::ParseValue(std::string_view expected) {
  const Token& t = lex_.Peek();
  ValueRef v;
  v.pos = t.pos;
  if (t.kind == TokenKind::kString) {
    v.literal = json::Value::String(t.value);
  } else if (t.kind == TokenKind::kNumber) {
    if (!ParseNumberLiteral(t.text, &v.literal)) Fail(t, "a number in range");
  } else if (t.kind == TokenKind::kParameter) {
    v.kind = ValueRef::Kind::kParameter;
    v.parameter = t.value;
  } else if (t.IsKeyword("true") || t.IsKeyword("false")) {
    v.literal = json::Value::Bool(t.IsKeyword("true"));
  } else if (t.IsKeyword("null")) {
    v.literal = json::Value::Null();
  } else {
    Fail(t, expected);
  }
  lex_.Next();
  return v;
}

void Parser::ParsePrologue() {
  const Token& t = lex_.Peek();
  if (t.IsKeyword("declare")) Unsupported(t.pos, "declare function");
  if (t.IsKeyword("with")) Unsupported(t.pos, "a with clause");
  if (t.IsKeyword("match")) Unsupported(t.pos, "a graph query (match)");
  ExpectKeyword("from");
}

void Parser::ParseFrom(Query* q) {
  Token t = lex_.Peek();
  if (t.IsKeyword("index")) {
    lex_.Next();
    q->source = Query::SourceKind::kIndex;
    t = lex_.Peek();
    if (t.kind != TokenKind::kString && (t.kind != TokenKind::kIdentifier || IsReserved(t))) {
      Fail(t, "an index name after 'from index'");
    }
  } else if (t.kind != TokenKind::kString && (t.kind != TokenKind::kIdentifier || IsReserved(t))) {
    Fail(t, "a collection name, @all_docs or 'index' after 'from'");
  }
  lex_.Next();
  q->source_name = t.kind == TokenKind::kString ? t.value : std::string(t.text);
  q->source_pos = t.pos;
  if (q->source == Query::SourceKind::kCollection &&
      EqualsIgnoreCase(q->source_name, "@all_docs")) {
    q->source = Query::SourceKind::kAllDocs;
  }
  const Token& next = lex_.Peek();
  if (next.Is("(")) Unsupported(next.pos, "a filtered from clause (from Collection(...))");
  if (next.IsKeyword("as")) {
    lex_.Next();
    from_alias_ = ParseAliasName("an alias after 'as'");
  } else if (next.kind == TokenKind::kString || (next.kind == TokenKind::kIdentifier &&
                                                 !IsReserved(next) && !next.IsKeyword("delete"))) {
    from_alias_ = ParseAliasName("an alias");  // RavenDB allows `from Users u`
  }
  q->alias = from_alias_;
  stage_ = kStageFrom;
  continuation_ = from_alias_.empty() ? "'as', an alias" : "";
}

void Parser::ParseGroupBy(Query* q) {
  lex_.Next();
  ExpectKeyword("by");
  do {
    const RawPath path = ParsePath("a field to group by");
    if (lex_.Peek().Is("(")) Unsupported(path.pos, path.Joined() + "() in group by");
    if (lex_.Peek().IsKeyword("as")) Unsupported(lex_.Peek().pos, "an alias in group by");
    q->group_by.push_back(Resolve(path));
  } while (Accept(","));
  stage_ = kStageGroupBy;
  continuation_ = "','";
}

void Parser::ParseLoad(Query* q) {
  lex_.Next();
  do {
    LoadClause load;
    const RawPath path = ParsePath("a field holding the id of the document to load");
    if (lex_.Peek().Is("(")) Unsupported(path.pos, path.Joined() + "() in load");
    load.field = Resolve(path);
    load.pos = path.pos;
    if (!load.field.source.empty()) {
      Unsupported(path.pos, "a load through another load alias ('" + load.field.source + "')");
    }
    if (lex_.Peek().IsKeyword("as")) lex_.Next();
    const Token alias_token = lex_.Peek();
    load.alias = ParseAliasName("an alias for the loaded document (load u.Company as c)");
    if (load.alias == from_alias_ ||
        std::find(load_aliases_.begin(), load_aliases_.end(), load.alias) != load_aliases_.end()) {
      Fail(alias_token, "an alias not used before in this query");
    }
    load_aliases_.push_back(load.alias);
    q->loads.push_back(std::move(load));
  } while (Accept(","));
  stage_ = stage_ < kStageWhere ? kStageEarlyLoad : kStageLoad;
  continuation_ = "','";
}

void Parser::ParseOrderBy(Query* q) {
  lex_.Next();
  ExpectKeyword("by");
  do {
    OrderBy key;
    const RawPath path = ParsePath("a field to order by");
    key.pos = path.pos;
    if (lex_.Peek().Is("(")) {
      const std::string name = path.Joined();
      if (path.IsName() && EqualsIgnoreCase(name, "random")) {
        lex_.Next();
        key.random = true;
        if (!lex_.Peek().Is(")")) key.random_seed = ParseValue("')' or a seed value in random()");
        Expect(")", "')' to close random(");
      } else if (path.IsName() && EqualsIgnoreCase(name, "id")) {
        key.field = ParseIdCall(path);
      } else if (path.IsName() && EqualsIgnoreCase(name, "score")) {
        Unsupported(path.pos, "order by score()");
      } else {
        Unsupported(path.pos, name + "() in order by");
      }
    } else {
      key.field = Resolve(path);
    }
    if (lex_.Peek().IsKeyword("as")) {
      lex_.Next();
      const Token& t = lex_.Peek();
      if (t.IsKeyword("string")) {
        key.type = OrderType::kString;
      } else if (t.IsKeyword("long")) {
        key.type = OrderType::kLong;
      } else if (t.IsKeyword("double")) {
        key.type = OrderType::kDouble;
      } else if (t.IsKeyword("alphaNumeric")) {
        key.type = OrderType::kAlphaNumeric;
      } else {
        Fail(t, "an ordering type (string, long, double or alphaNumeric) after 'as'");
      }
      lex_.Next();
    }
    const Token& dir = lex_.Peek();
    if (dir.IsKeyword("desc") || dir.IsKeyword("descending")) {
      key.descending = true;
      lex_.Next();
    } else if (dir.IsKeyword("asc") || dir.IsKeyword("ascending")) {
      lex_.Next();
    }
    q->order_by.push_back(std::move(key));
  } while (Accept(","));
  stage_ = kStageOrderBy;
  continuation_ = "',', 'as', 'asc', 'desc'";
}

void Parser::ParseSelect(Query* q) {
  lex_.Next();
  q->has_select = true;
  if (lex_.Peek().IsKeyword("distinct")) {
    lex_.Next();
    q->distinct = true;
  }
  stage_ = kStageSelect;
  continuation_ = "','";
  if (lex_.Peek().Is("*")) {  // `select *` / `select distinct *`: the whole documents
    lex_.Next();
    q->has_select = false;
    continuation_.clear();
    return;
  }
  if (lex_.Peek().Is("{")) Unsupported(lex_.Peek().pos, "a JavaScript projection (select { ... })");
  do {
    ParseProjection(q);
  } while (Accept(","));
  continuation_ = "',', 'as'";
}

void Parser::ParseProjection(Query* q) {
  Projection p;
  const Token& first = lex_.Peek();
  p.pos = first.pos;
  if (first.kind == TokenKind::kNumber || first.kind == TokenKind::kParameter) {
    Unsupported(first.pos, "a constant in select");
  }
  const RawPath path = ParsePath("a field, key(), count() or sum() in select");
  if (lex_.Peek().Is("(")) {
    const std::string name = path.Joined();
    const bool plain = path.IsName();
    if (plain && EqualsIgnoreCase(name, "id")) {
      p.field = ParseIdCall(path);
    } else if (plain && (EqualsIgnoreCase(name, "key") || EqualsIgnoreCase(name, "count"))) {
      p.kind = EqualsIgnoreCase(name, "key") ? Projection::Kind::kKey : Projection::Kind::kCount;
      lex_.Next();
      if (!lex_.Peek().Is(")")) Unsupported(lex_.Peek().pos, name + "() with arguments");
      lex_.Next();
    } else if (plain && EqualsIgnoreCase(name, "sum")) {
      p.kind = Projection::Kind::kSum;
      lex_.Next();
      const RawPath arg = ParsePath("a field in sum()");
      if (lex_.Peek().Is("(")) Unsupported(arg.pos, arg.Joined() + "() inside sum()");
      p.field = Resolve(arg);
      Expect(")", "')' to close sum(");
    } else {
      Unsupported(path.pos, name + "() in select");
    }
  } else {
    p.field = Resolve(path);
  }
  if (lex_.Peek().IsKeyword("as")) {
    lex_.Next();
    p.alias = ParseAliasName("a name after 'as'");
  }
  q->select.push_back(std::move(p));
}

void Parser::ParseInclude(Query* q) {
  lex_.Next();
  do {
    const Token& t = lex_.Peek();
    if (t.kind == TokenKind::kNumber || t.kind == TokenKind::kParameter) {
      Fail(t, "a field path to include");
    }
    const RawPath path = ParsePath("a field path to include");
    if (lex_.Peek().Is("(")) Unsupported(path.pos, "include " + path.Joined() + "()");
    q->includes.push_back(Resolve(path));
  } while (Accept(","));
  stage_ = kStageInclude;
  continuation_ = "','";
}

void Parser::ParseUpdate(Query* q) {
  lex_.Next();
  if (!lex_.Peek().Is("{")) Fail(lex_.Peek(), "'{' to start the update script");
  q->operation = Query::Operation::kUpdate;
  q->update_script = std::string(lex_.ScanBraceBody());
  stage_ = kStageUpdate;
  continuation_.clear();
}

ValueRef Parser::ParsePagingValue() {
  const Token t = lex_.Peek();
  if (t.kind == TokenKind::kParameter ||
      (t.kind == TokenKind::kNumber && t.text.find_first_of("-.eE") == std::string_view::npos)) {
    ValueRef v = ParseValue("");
    if (v.kind == ValueRef::Kind::kLiteral && v.literal.type() != json::Type::kInt) {
      Fail(t, "a non-negative integer that fits 64 bits or a $parameter");  // uint64 range
    }
    return v;
  }
  Fail(t, "a non-negative integer or a $parameter");
}

void Parser::ParsePaging(Query* q) {
  if (lex_.Peek().IsKeyword("limit")) {
    lex_.Next();
    ValueRef first = ParsePagingValue();
    if (lex_.Peek().Is(",")) {
      lex_.Next();
      q->offset = std::move(first);
      q->limit = ParsePagingValue();
    } else {
      q->limit = std::move(first);
    }
    stage_ = kStageLimit;
    continuation_ = q->offset ? "" : "','";
  }
  if (lex_.Peek().IsKeyword("offset")) {
    if (q->offset) {
      Fail(lex_.Peek(), "end of query ('limit offset, count' already set the offset)");
    }
    lex_.Next();
    q->offset = ParsePagingValue();
    stage_ = kStageOffset;
    continuation_.clear();
  }
}

void Parser::FailAtClauseEnd(const Query& q) {
  const Token& t = lex_.Peek();
  if (t.IsKeyword("filter")) Unsupported(t.pos, "a filter clause");
  std::vector<std::string> expected;
  if (!continuation_.empty()) expected.push_back(continuation_);
  const bool update = q.operation == Query::Operation::kUpdate;
  auto add = [&](bool ok, const char* what) {
    if (ok) expected.emplace_back(what);
  };
  add(stage_ < kStageGroupBy, "'group by'");
  add(stage_ < kStageWhere, "'where'");
  add(stage_ < kStageOrderBy, "'order by'");
  add(stage_ < kStageLoad && q.loads.empty(), "'load'");
  add(stage_ < kStageSelect, "'select'");
  add(stage_ < kStageSelect, "'update'");
  add(stage_ < kStageInclude && !update, "'include'");
  add(stage_ < kStageLimit, "'limit'");
  add(stage_ < kStageOffset && !(stage_ == kStageLimit && q.offset), "'offset'");
  expected.emplace_back("end of query");
  std::string message = "expected " + JoinAlternatives(expected) + ", got " + t.Describe();
  static constexpr std::string_view kClauses[] = {"from",   "group",  "where",   "order", "load",
                                                  "select", "update", "include", "limit", "offset"};
  if (std::any_of(std::begin(kClauses), std::end(kClauses),
                  [&](std::string_view k) { return t.IsKeyword(k); })) {
    message += kClauseOrder;
  } else if (t.IsKeyword("delete")) {
    message +=
        " (RQL has no delete clause: send the query itself to DELETE /databases/{db}/queries)";
  }
  throw LexError{t.pos, std::move(message)};
}

Query Parser::ParseAll() {
  ParsePrologue();
  Query q;
  ParseFrom(&q);
  if (lex_.Peek().IsKeyword("group")) ParseGroupBy(&q);
  if (lex_.Peek().IsKeyword("load")) ParseLoad(&q);
  if (lex_.Peek().IsKeyword("where")) {
    lex_.Next();
    q.where = ParseOr(0);
    stage_ = kStageWhere;
    continuation_ = "'and', 'or'";
  }
  if (lex_.Peek().IsKeyword("filter")) Unsupported(lex_.Peek().pos, "a filter clause");
  if (lex_.Peek().IsKeyword("order")) ParseOrderBy(&q);
  if (lex_.Peek().IsKeyword("load") && q.loads.empty()) ParseLoad(&q);
  if (lex_.Peek().IsKeyword("select")) {
    ParseSelect(&q);
  } else if (lex_.Peek().IsKeyword("update")) {
    ParseUpdate(&q);
  }
  if (lex_.Peek().IsKeyword("include") && q.operation != Query::Operation::kUpdate) {
    ParseInclude(&q);
  }
  ParsePaging(&q);
  if (lex_.Peek().kind != TokenKind::kEnd) FailAtClauseEnd(q);
  return q;
}

}  // namespace internal

Result<Query> ParseQuery(std::string_view text) {
  using internal::LexError;
  using internal::UnsupportedError;
  auto invalid = [](Position p, const std::string& what) {
    return Status::InvalidArgument("Invalid RQL at line " + std::to_string(p.line) + ", column " +
                                   std::to_string(p.column) + " (offset " +
                                   std::to_string(p.offset) + "): " + what);
  };
  if (text.size() > internal::kMaxQueryBytes) {
    return Status::InvalidArgument("Invalid RQL: the query text is " + std::to_string(text.size()) +
                                   " bytes; the limit is " +
                                   std::to_string(internal::kMaxQueryBytes) + " bytes");
  }
  internal::Lexer positions(text);
  for (size_t i = 0; i < text.size();) {
    const size_t len = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(text.data() + i),
                                          text.size() - i);
    if (len == 0) {
      return invalid(positions.PositionOf(static_cast<uint32_t>(i)),
                     "expected UTF-8 text, got an invalid byte sequence");
    }
    i += len;
  }
  try {
    internal::Parser parser(text);
    return parser.ParseAll();
  } catch (const LexError& e) {
    return invalid(e.pos, e.message);
  } catch (const UnsupportedError& e) {
    return Status::NotSupported(e.construct + " is not supported by Rookery yet (line " +
                                std::to_string(e.pos.line) + ", column " +
                                std::to_string(e.pos.column) + "); see docs/compatibility.md");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("RQL parser failed: ") + e.what());
  }
}

}  // namespace rookery::query
