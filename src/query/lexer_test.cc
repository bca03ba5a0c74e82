// The RQL lexer on its own: token kinds, positions, descriptions and the raw script capture.
#include "query/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rookery::query::internal {
namespace {

std::vector<Token> LexAll(std::string_view text) {
  Lexer lex(text);
  std::vector<Token> out;
  while (true) {
    Token t = lex.Next();
    const bool end = t.kind == TokenKind::kEnd;
    out.push_back(std::move(t));
    if (end) return out;
  }
}

TEST(RqlLexerTest, TokenKindsAndPositions) {
  auto tokens = LexAll("from Users\n  where a>=-1.5e2 and $p0 <> 'x' /* c */ // d\n[].@m-n");
  std::vector<std::string> texts;
  for (const Token& t : tokens) texts.emplace_back(t.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"from", "Users", "where", "a", ">=", "-1.5e2", "and",
                                             "$p0", "<>", "'x'", "[", "]", ".", "@m-n", ""}));
  EXPECT_EQ(tokens[2].pos.line, 2u);
  EXPECT_EQ(tokens[2].pos.column, 3u);
  EXPECT_EQ(tokens[2].pos.offset, 13u);
  EXPECT_EQ(tokens[5].kind, TokenKind::kNumber);
  EXPECT_EQ(tokens[7].kind, TokenKind::kParameter);
  EXPECT_EQ(tokens[7].value, "p0");
  EXPECT_EQ(tokens[9].kind, TokenKind::kString);
  EXPECT_EQ(tokens[9].value, "x");
  EXPECT_EQ(tokens[10].pos.line, 3u);
  EXPECT_EQ(tokens[10].pos.column, 1u);
}

TEST(RqlLexerTest, Describe) {
  auto tokens = LexAll("where 'abc' 12 $p ( ");
  EXPECT_EQ(tokens[0].Describe(), "'where'");
  EXPECT_EQ(tokens[1].Describe(), "string 'abc'");
  EXPECT_EQ(tokens[2].Describe(), "number 12");
  EXPECT_EQ(tokens[3].Describe(), "parameter $p");
  EXPECT_EQ(tokens[4].Describe(), "'('");
  EXPECT_EQ(tokens[5].Describe(), "end of query");
  // Long text is cut in messages.
  const std::string long_text(100, 'a');  // tokens point into the text
  auto long_token = LexAll(long_text);
  EXPECT_EQ(long_token[0].Describe(), "'" + std::string(40, 'a') + "...'");
}

TEST(RqlLexerTest, KeywordsIgnoreCase) {
  auto tokens = LexAll("SeLeCt");
  EXPECT_TRUE(tokens[0].IsKeyword("select"));
  EXPECT_FALSE(tokens[0].IsKeyword("selec"));
  EXPECT_TRUE(EqualsIgnoreCase("alphaNumeric", "ALPHANUMERIC"));
}

TEST(RqlLexerTest, BraceBodyPeekedOrNot) {
  Lexer a(" { x = '}' } rest");
  EXPECT_EQ(a.ScanBraceBody(), " x = '}' ");
  EXPECT_EQ(a.Next().text, "rest");

  Lexer b("{ {a} }\nlimit");
  ASSERT_TRUE(b.Peek().Is("{"));
  EXPECT_EQ(b.ScanBraceBody(), " {a} ");
  const Token after = b.Next();
  EXPECT_EQ(after.text, "limit");
  EXPECT_EQ(after.pos.line, 2u);

  Lexer unclosed("{ \"}\" ");
  try {
    (void)unclosed.ScanBraceBody();
    FAIL() << "no error";
  } catch (const LexError& e) {
    EXPECT_EQ(e.pos.column, 1u);
    EXPECT_NE(e.message.find("'}'"), std::string::npos);
  }
}

}  // namespace
}  // namespace rookery::query::internal
