// RQL parser errors: malformed queries with their exact positions and expected text, the
// constructs answered with kNotSupported, and the size and nesting limits.
#include <gtest/gtest.h>

#include <string>

#include "query/parser.h"
#include "query/parser_test_util.h"

namespace rookery::query {
namespace {

struct BadQuery {
  const char* text;
  uint32_t line;
  uint32_t column;
  const char* expected;  // must appear in the message after "expected "
  const char* got;       // must appear after ", got "
};

// Each malformed query with where it goes wrong and what the parser says it wanted.
const BadQuery kBadQueries[] = {
    {"", 1, 1, "'from'", "end of query"},
    {"select * from Users", 1, 1, "'from'", "'select'"},
    {"from", 1, 5, "a collection name, @all_docs or 'index' after 'from'", "end of query"},
    {"from where", 1, 6, "a collection name", "'where'"},
    {"from index", 1, 11, "an index name after 'from index'", "end of query"},
    {"from Users as", 1, 14, "an alias after 'as'", "end of query"},
    {"from Users where", 1, 17, "a condition", "end of query"},
    {"from Users where Name", 1, 22,
     "an operator (=, !=, <, <=, >, >=, in, all in, between) after 'Name'", "end of query"},
    {"from Users where Name = ", 1, 25, "a value (string, number, true, false, null or $parameter)",
     "end of query"},
    {"from Users where Name = 'x", 1, 25, "' to close the string", "end of query"},
    {"from Users where Name = \"x", 1, 25, "\" to close the string", "end of query"},
    {"from Users where (Name = 1", 1, 27, "')' to close the '(' at line 1, column 18",
     "end of query"},
    {"from Users where Name = 1)", 1, 26, "'and', 'or'", "')'"},
    {"from Users where Name = 1 and", 1, 30, "a condition", "end of query"},
    {"from Users where Name = 1 or )", 1, 30, "a condition", "')'"},
    {"from Users where Name in 1", 1, 26, "'(' and a list of values after 'in'", "number 1"},
    {"from Users where Name in (1, )", 1, 30, "a value", "')'"},
    {"from Users where Name in (1 2)", 1, 29, "',' or ')' in the list of values", "number 2"},
    {"from Users where Tags all (1)", 1, 27, "'in'", "'('"},
    {"from Users where Age between 1", 1, 31, "'and'", "end of query"},
    {"from Users where Age between 1 and", 1, 35, "a value after 'between ... and'",
     "end of query"},
    {"from Users where startsWith(Name 'x')", 1, 34,
     "',' and a value after the field in startsWith()", "string 'x'"},
    {"from Users where exists()", 1, 25, "a field as the first argument of exists()", "')'"},
    {"from Users where Name = $", 1, 25, "a parameter name after '$'", "end of query"},
    {"from Users where Name = 1 ; ", 1, 27, "a name, value, operator or clause", "';'"},
    {"from Users where Name ! 1", 1, 23, "a name, value, operator or clause", "'!'"},
    {"from Users\nwhere\n  Name = 'a\\qb'", 3, 12, "an escape", "'\\q'"},
    {"from Users where Name = '\\u12'", 1, 26, "four hex digits after \\u", "'\\u12''"},
    {"from Users where Name = '\\ud800'", 1, 26, "a character after \\u", "a UTF-16 surrogate"},
    {"from Users where Lines[.Product = 1", 1, 24, "']' (array paths are written Lines[].Product)",
     "'.'"},
    {"from Users where Address. = 1", 1, 27, "a field name after '.'", "'='"},
    {"from Users where Age > 1abc", 1, 24, "a number", "'1abc'"},
    {"from Users order Name", 1, 18, "'by'", "'Name'"},
    {"from Users order by", 1, 20, "a field to order by", "end of query"},
    {"from Users order by Name as integer", 1, 29,
     "an ordering type (string, long, double or alphaNumeric) after 'as'", "'integer'"},
    {"from Users group by", 1, 20, "a field to group by", "end of query"},
    {"from Users select", 1, 18, "a field, key(), count() or sum() in select", "end of query"},
    {"from Users select Name n", 1, 24, "',', 'as', 'include', 'limit', 'offset' or end of query",
     "'n'"},
    {"from Users select Name as", 1, 26, "a name after 'as'", "end of query"},
    {"from Users load Company", 1, 24, "an alias for the loaded document", "end of query"},
    {"from Users as u load u.Company as u", 1, 35, "an alias not used before in this query", "'u'"},
    {"from Users include", 1, 19, "a field path to include", "end of query"},
    {"from Users limit", 1, 17, "a non-negative integer or a $parameter", "end of query"},
    {"from Users limit -1", 1, 18, "a non-negative integer or a $parameter", "number -1"},
    {"from Users limit 1.5", 1, 18, "a non-negative integer or a $parameter", "number 1.5"},
    {"from Users limit 1, 2 offset 3", 1, 23, "end of query ('limit offset, count' already set",
     "'offset'"},
    {"from Users offset 1 limit 2", 1, 21, "end of query", "'limit'"},
    {"from Users update", 1, 18, "'{' to start the update script", "end of query"},
    {"from Users update { this.x = '}' ", 1, 19, "'}' to close the '{' of this script",
     "end of query"},
    {"from Users update { x } include a", 1, 25, "'limit', 'offset' or end of query", "'include'"},
    {"from Users /* never closed", 1, 12, "'*/' to close the comment", "end of query"},
    {"from Users id", 1, 12, "", ""},  // valid: `id` is an alias
    {"from Users where id(x) = 1", 1, 21, "')' or a known alias in id()", "'x'"},
};

TEST(RqlParserErrorTest, MalformedQueriesArePositioned) {
  int checked = 0;
  for (const BadQuery& bad : kBadQueries) {
    SCOPED_TRACE(bad.text);
    auto r = ParseQuery(bad.text);
    if (bad.expected[0] == '\0' && bad.got[0] == '\0') {
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      continue;
    }
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
    const std::string message(r.status().message());
    const std::string where = "Invalid RQL at line " + std::to_string(bad.line) + ", column " +
                              std::to_string(bad.column) + " (offset ";
    EXPECT_EQ(message.rfind(where, 0), 0u) << message;
    const size_t expected_at = message.find("expected ");
    ASSERT_NE(expected_at, std::string::npos) << message;
    EXPECT_NE(message.find(bad.expected, expected_at), std::string::npos) << message;
    EXPECT_NE(message.find(std::string(", got ") + bad.got), std::string::npos) << message;
    ++checked;
  }
  EXPECT_GE(checked, 25);
}

TEST(RqlParserErrorTest, OffsetMatchesLineAndColumn) {
  auto r = ParseQuery("from Users\r\nwhere\n   Name = = 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().substr(0, 45), "Invalid RQL at line 3, column 11 (offset 28):");
}

TEST(RqlParserErrorTest, ClauseOrderIsExplained) {
  for (const char* text : {"from Users select Name where Age > 1", "from Users limit 1 where a = 1",
                           "from Users order by a group by b", "from Users include a select b"}) {
    auto r = ParseQuery(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.status().message().find("clauses go in this order: from, group by, where"),
              std::string::npos)
        << r.status().ToString();
  }
  auto del = ParseQuery("from Users where a = 1 delete");
  ASSERT_FALSE(del.ok());
  EXPECT_NE(del.status().message().find("RQL has no delete clause"), std::string::npos)
      << del.status().ToString();
  // Right after `from`, every clause is still possible.
  auto r = ParseQuery("from Users 1");
  EXPECT_NE(r.status().message().find(
                "expected 'as', an alias, 'group by', 'where', 'order by', 'load', 'select', "
                "'update', 'include', 'limit', 'offset' or end of query, got number 1"),
            std::string::npos)
      << r.status().ToString();
}

struct Unsupported {
  const char* text;
  const char* construct;
  uint32_t column;
};

const Unsupported kUnsupported[] = {
    {"from Users where search(name, $p0)", "search()", 18},
    {"from Users where search(name, $p0, and)", "search()", 18},
    {"from Users where lucene(name, $p0)", "lucene()", 18},
    {"from Users where regex(name, $p0)", "regex()", 18},
    {"from Users where boost(name = $p0, 10)", "boost()", 18},
    {"from Users where fuzzy(name = $p0, 0.5)", "fuzzy()", 18},
    {"from Users where proximity(search(name, $p0), 2)", "proximity()", 18},
    {"from Users where intersect(a = 1, b = 2)", "intersect()", 18},
    {"from Users where spatial.within(spatial.point(lat, lng), spatial.circle(1, 2, 3))",
     "spatial.within()", 18},
    {"from Users where moreLikeThis(id() = 'users/1')", "moreLikeThis()", 18},
    {"from Users where a = 1 and count() > 2", "count()", 28},
    {"from Users where unknownFunc(a)", "unknownFunc()", 18},
    {"declare function f(u) { return u; } from Users as u select f(u)", "declare function", 1},
    {"with { from Users } as u match (u)", "a with clause", 1},
    {"match (Users as u)-[Manager]->(Employees as e)", "a graph query (match)", 1},
    {"from 'Users' as o select { fullName: o.first + ' ' + o.last }",
     "a JavaScript projection (select { ... })", 26},
    {"from Users include revisions('cvField')", "include revisions()", 20},
    {"from Users include counters()", "include counters()", 20},
    {"from Users include timeseries('HeartRate')", "include timeseries()", 20},
    {"from Users include cmpxchg('key')", "include cmpxchg()", 20},
    {"from Users order by score()", "order by score()", 21},
    {"from Users order by custom(a)", "custom() in order by", 21},
    {"from Users select counter('likes')", "counter() in select", 19},
    {"from Users select 1", "a constant in select", 19},
    {"from Users where a = b", "comparing a field with another field ('b')", 22},
    {"from Users where a = now()", "now() as a value", 22},
    {"from Users where Lines[0].Product = 1", "an array index ([n]) in a path", 24},
    {"from Users where a = 1 filter b = 2", "a filter clause", 24},
    {"from Users group by array(Tags)", "array() in group by", 21},
    {"from Users group by Name as n", "an alias in group by", 26},
    {"from Users as u load u.Company as c, c.Owner as w", "a load through another load alias ('c')",
     38},
    {"from Users(Age > 1)", "a filtered from clause (from Collection(...))", 11},
    {"from Users select key(a)", "key() with arguments", 23},
};

TEST(RqlParserErrorTest, NotSupportedNamesConstructAndPosition) {
  for (const Unsupported& u : kUnsupported) {
    SCOPED_TRACE(u.text);
    auto r = ParseQuery(u.text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kNotSupported) << r.status().ToString();
    const std::string want = std::string(u.construct) +
                             " is not supported by Rookery yet (line 1, column " +
                             std::to_string(u.column) + "); see docs/compatibility.md";
    EXPECT_EQ(r.status().message(), want);
  }
}

std::string Nested(int depth, const char* open, const char* close) {
  std::string text = "from U where ";
  for (int i = 0; i < depth; ++i) text += open;
  text += "a = 1";
  for (int i = 0; i < depth; ++i) text += close;
  return text;
}

TEST(RqlParserErrorTest, NestingDepthIsLimited) {
  EXPECT_TRUE(ParseQuery(Nested(64, "(", ")")).ok());
  EXPECT_TRUE(ParseQuery(Nested(64, "not ", "")).ok());
  EXPECT_TRUE(ParseQuery(Nested(64, "exact(", ")")).ok());
  EXPECT_TRUE(ParseQuery(Nested(32, "not (", ")")).ok());
  for (auto [open, close] : {std::pair{"(", ")"}, {"not ", ""}, {"exact(", ")"}, {"not (", ")"}}) {
    auto r = ParseQuery(Nested(65, open, close));
    ASSERT_FALSE(r.ok()) << open;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find("expected at most 64 nested levels"), std::string::npos)
        << r.status().ToString();
  }
  // Far deeper than the limit: still an error, never a stack overflow.
  auto deep = ParseQuery(Nested(200000, "(", ")"));
  EXPECT_EQ(deep.status().code(), Code::kInvalidArgument);
  // The 65th '(' is where it goes wrong.
  EXPECT_EQ(ParseQuery(Nested(65, "(", ")")).status().message().substr(0, 33),
            "Invalid RQL at line 1, column 78 ");
}

TEST(RqlParserErrorTest, SizeLimit) {
  std::string text = "from Users where Name = '";
  text.append((1u << 20) - text.size() - 1, 'x');
  text += "'";
  ASSERT_EQ(text.size(), 1u << 20);
  auto ok = ParseQuery(text);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->where->values[0].literal.as_string().size(), (1u << 20) - 26);
  text += " ";
  auto r = ParseQuery(text);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("the limit is 1048576 bytes"), std::string::npos);
}

TEST(RqlParserErrorTest, InvalidUtf8IsRefusedWithItsPosition) {
  auto r = ParseQuery("from Users\nwhere a = '\xc3('");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "Invalid RQL at line 2, column 12 (offset 22): expected UTF-8 text, got an invalid "
            "byte sequence");
  auto nul = ParseQuery(std::string_view("from Users\0", 11));
  EXPECT_EQ(nul.status().code(), Code::kInvalidArgument);
  EXPECT_NE(nul.status().message().find("got byte 0x00"), std::string::npos)
      << nul.status().ToString();
}

}  // namespace
}  // namespace rookery::query
