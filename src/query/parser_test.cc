// The RQL the official client emits (protocol.md §8.3) and the rest of the accepted grammar
// (docs/design/rql.md). Errors, NotSupported and limits: parser_error_test.cc.
#include "query/parser.h"

#include <gtest/gtest.h>

#include "query/parser_test_util.h"

namespace rookery::query {
namespace {

using testing::MustParse;
using testing::Render;
using testing::Where;

TEST(RqlParserTest, FromForms) {
  for (const char* text : {"from Users", "from 'Users'", "from \"Users\"", "FROM Users"}) {
    Query q = MustParse(text);
    EXPECT_EQ(q.source, Query::SourceKind::kCollection) << text;
    EXPECT_EQ(q.source_name, "Users") << text;
    EXPECT_EQ(q.alias, "") << text;
    EXPECT_EQ(q.where, nullptr) << text;
    EXPECT_FALSE(q.has_select) << text;
    EXPECT_EQ(q.operation, Query::Operation::kSelect) << text;
  }
  for (const char* text : {"from @all_docs", "from '@all_docs'", "from @ALL_DOCS"}) {
    EXPECT_EQ(MustParse(text).source, Query::SourceKind::kAllDocs) << text;
  }
  Query index = MustParse("from index 'Users/ByName'");
  EXPECT_EQ(index.source, Query::SourceKind::kIndex);
  EXPECT_EQ(index.source_name, "Users/ByName");
  EXPECT_EQ(index.source_pos.column, 12u);
  EXPECT_EQ(MustParse("from INDEX Orders_Totals as o").alias, "o");
  EXPECT_EQ(MustParse("from index \"@all_docs\"").source, Query::SourceKind::kIndex);
}

TEST(RqlParserTest, AliasesAreStripped) {
  Query q = MustParse("from Users as u where u.Name = 'x' order by u.Age select u.Name, u");
  EXPECT_EQ(q.alias, "u");
  EXPECT_EQ(Render(*q.where), R"((= Name "x"))");
  EXPECT_EQ(q.order_by[0].field.path, "Age");
  EXPECT_EQ(q.select[0].field.path, "Name");
  EXPECT_EQ(q.select[1].field.path, "");  // the whole document
  // Without `as` (RavenDB allows it), and quoted.
  EXPECT_EQ(Where("from Users u where u.Address.City = $p0"), "(= Address.City $p0)");
  EXPECT_EQ(MustParse("from Users 'u'").alias, "u");
  // Only the alias as first segment is stripped; a quoted first segment is a field name.
  EXPECT_EQ(Where("from Users as u where Name.u = 1"), "(= Name.u 1)");
  EXPECT_EQ(Where("from Users as u where 'u'.Name = 1"), "(= u.Name 1)");
  // An alias is case-sensitive.
  EXPECT_EQ(Where("from Users as u where U.Name = 1"), "(= U.Name 1)");
}

TEST(RqlParserTest, BuilderWhereForms) {
  EXPECT_EQ(Where("from 'Users' where name = $p0"), "(= name $p0)");
  EXPECT_EQ(Where("from 'Users' where name != $p0"), "(!= name $p0)");
  EXPECT_EQ(Where("from 'Users' where true and not name = $p0"), "(and true (not (= name $p0)))");
  EXPECT_EQ(Where("from 'Users' where exact(name = $p0)"), "exact(= name $p0)");
  EXPECT_EQ(Where("from 'Users' where id() = $p0"), "(= id() $p0)");
  EXPECT_EQ(Where("from 'Users' where id() in ($p0)"), "(in id() $p0)");
  EXPECT_EQ(Where("from 'Users' where name in ($p0)"), "(in name $p0)");
  EXPECT_EQ(Where("from 'Users' where tags all in ($p0)"), "(allin tags $p0)");
  EXPECT_EQ(Where("from 'Users' where age between $p0 and $p1"), "(between age $p0 $p1)");
  EXPECT_EQ(Where("from 'Users' where age > $p0 and age <= $p1"), "(and (> age $p0) (<= age $p1))");
  EXPECT_EQ(Where("from 'Users' where age >= $p0 and age < $p1"), "(and (>= age $p0) (< age $p1))");
  EXPECT_EQ(Where("from 'Users' where startsWith(name, $p0)"), "(startsWith name $p0)");
  EXPECT_EQ(Where("from 'Users' where endsWith(name, $p0)"), "(endsWith name $p0)");
  EXPECT_EQ(Where("from 'Users' where startsWith(id(), $p0)"), "(startsWith id() $p0)");
  EXPECT_EQ(Where("from 'Users' where exists(email)"), "(exists email)");
  EXPECT_EQ(Where("from 'Users' where (a = $p0 or b = $p1) and c = $p2"),
            "(and (or (= a $p0) (= b $p1)) (= c $p2))");
  EXPECT_EQ(Where("from 'Users' where address.city = $p0"), "(= address.city $p0)");
  EXPECT_EQ(Where("from 'Users' where tags[] = $p0"), "(= tags[] $p0)");
  EXPECT_EQ(Where("from Users where lastName = 'user1'"), R"((= lastName "user1"))");
}

TEST(RqlParserTest, OperatorSpellings) {
  EXPECT_EQ(Where("from U where a == 1"), "(= a 1)");
  EXPECT_EQ(Where("from U where a <> 1"), "(!= a 1)");
  EXPECT_EQ(Where("from U where a=1 and b!=2 and c<3 and d<=4 and e>5 and f>=6"),
            "(and (and (and (= a 1) (!= b 2)) (< c 3)) (and (and (<= d 4) (> e 5)) (>= f 6)))");
  EXPECT_EQ(Where("from U where a IN (1, 2, 3)"), "(in a 1 2 3)");
  EXPECT_EQ(Where("from U where a in ()"), "(in a)");
  EXPECT_EQ(Where("from U where a ALL IN ('x','y')"), R"((allin a "x" "y"))");
  EXPECT_EQ(Where("from U where a BETWEEN -1.5 AND 2"), "(between a -1.5 2)");
  EXPECT_EQ(Where("from U where EXISTS(a) AND StartsWith(b, 'x')"),
            R"((and (exists a) (startsWith b "x")))");
}

TEST(RqlParserTest, Precedence) {
  // and binds tighter than or.
  EXPECT_EQ(Where("from U where a = 1 or b = 2 and c = 3"), "(or (= a 1) (and (= b 2) (= c 3)))");
  EXPECT_EQ(Where("from U where a = 1 and b = 2 or c = 3"), "(or (and (= a 1) (= b 2)) (= c 3))");
  EXPECT_EQ(Where("from U where a = 1 and b = 2 or c = 3 and d = 4"),
            "(or (and (= a 1) (= b 2)) (and (= c 3) (= d 4)))");
  // not applies to the next condition or parenthesised group only.
  EXPECT_EQ(Where("from U where a = 1 and not b = 2 or c = 3"),
            "(or (and (= a 1) (not (= b 2))) (= c 3))");
  EXPECT_EQ(Where("from U where a = 1 or not b = 2 and c = 3"),
            "(or (= a 1) (and (not (= b 2)) (= c 3)))");
  EXPECT_EQ(Where("from U where not (a = 1 or b = 2)"), "(not (or (= a 1) (= b 2)))");
  EXPECT_EQ(Where("from U where not not a = 1"), "(not (not (= a 1)))");
  EXPECT_EQ(Where("from U where ((a = 1))"), "(= a 1)");
  EXPECT_EQ(Where("from U where a = 1 and (b = 2 or c = 3)"), "(and (= a 1) (or (= b 2) (= c 3)))");
  // Chains keep their operands in order.
  EXPECT_EQ(Where("from U where a = 1 or b = 2 or c = 3"), "(or (or (= a 1) (= b 2)) (= c 3))");
  // exact() marks every leaf inside it.
  EXPECT_EQ(Where("from U where exact(a = 'x' or b = 'y') and c = 'z'"),
            R"((and (or exact(= a "x") exact(= b "y")) (= c "z")))");
}

TEST(RqlParserTest, PathsAndNames) {
  EXPECT_EQ(Where("from U where Lines[].Product = 'p'"), R"((= Lines[].Product "p"))");
  EXPECT_EQ(Where("from U where Lines [] . Product = 'p'"), R"((= Lines[].Product "p"))");
  EXPECT_EQ(Where("from U where a[][].b = 1"), "(= a[][].b 1)");
  EXPECT_EQ(Where("from U where @metadata.@collection = 'Users'"),
            R"((= @metadata.@collection "Users"))");
  EXPECT_EQ(Where("from U where 'first name' = 'x'"), R"((= first name "x"))");
  EXPECT_EQ(Where("from U where \"last.name\" = 'x'"), R"((= last.name "x"))");
  EXPECT_EQ(Where("from U where Address.'zip code' = 1"), "(= Address.zip code 1)");
  EXPECT_EQ(Where("from U where Items.0.Name = 1"), "(= Items.0.Name 1)");
  EXPECT_EQ(Where("from U where _x-y_1 = 1"), "(= _x-y_1 1)");
  // Words that are keywords elsewhere are field names here.
  EXPECT_EQ(Where("from U where in = 1 and between = 2 and from = 3 and index = 4"),
            "(and (and (= in 1) (= between 2)) (and (= from 3) (= index 4)))");
  EXPECT_EQ(Where("from U where a.order = 1"), "(= a.order 1)");
}

TEST(RqlParserTest, Literals) {
  Query q = MustParse(
      "from U where a in ('s', \"d\", 12, -7, 1.5, 2e3, 18446744073709551615, 1_000, true, "
      "false, null, $p_1, 'it''s', 'a\\'b\\n\\u00e9')");
  ASSERT_NE(q.where, nullptr);
  const auto& v = q.where->values;
  ASSERT_EQ(v.size(), 14u);
  EXPECT_EQ(v[0].literal, json::Value::String("s"));
  EXPECT_EQ(v[1].literal, json::Value::String("d"));
  EXPECT_EQ(v[2].literal.type(), json::Type::kInt);
  EXPECT_EQ(v[2].literal.as_int(), 12);
  EXPECT_EQ(v[3].literal.as_int(), -7);
  EXPECT_EQ(v[4].literal, json::Value::Double(1.5));
  EXPECT_EQ(v[5].literal, json::Value::Double(2000));
  EXPECT_EQ(v[6].literal.type(), json::Type::kUint);
  EXPECT_EQ(v[7].literal.as_int(), 1000);
  EXPECT_EQ(v[8].literal, json::Value::Bool(true));
  EXPECT_EQ(v[9].literal, json::Value::Bool(false));
  EXPECT_TRUE(v[10].literal.is_null());
  EXPECT_EQ(v[11].kind, ValueRef::Kind::kParameter);
  EXPECT_EQ(v[11].parameter, "p_1");
  EXPECT_EQ(v[12].literal, json::Value::String("it's"));
  EXPECT_EQ(v[13].literal, json::Value::String("a'b\n\xc3\xa9"));
  // Positions of values: 1-based line/column, 0-based offset.
  EXPECT_EQ(v[2].pos.column, 30u);
  EXPECT_EQ(v[2].pos.offset, 29u);
  // Integers beyond uint64 become doubles.
  EXPECT_EQ(MustParse("from U where a = 99999999999999999999").where->values[0].literal.type(),
            json::Type::kDouble);
}

TEST(RqlParserTest, Unicode) {
  Query q = MustParse("from 'Użytkownicy' as ü where ü.'имя' = 'Zoë 😀' and städte = '東京'");
  EXPECT_EQ(q.source_name, "Użytkownicy");
  EXPECT_EQ(q.alias, "ü");
  EXPECT_EQ(Render(*q.where), R"((and (= имя "Zoë 😀") (= städte "東京")))");
  // Columns count bytes.
  EXPECT_EQ(q.where->right->pos.column, 63u);
}

TEST(RqlParserTest, OrderBy) {
  Query q = MustParse(
      "from 'Users' order by name, age desc, score as long, price AS double DESC, code as "
      "alphaNumeric asc, title as string descending, x ascending");
  ASSERT_EQ(q.order_by.size(), 7u);
  EXPECT_EQ(q.order_by[0].field.path, "name");
  EXPECT_FALSE(q.order_by[0].descending);
  EXPECT_EQ(q.order_by[0].type, OrderType::kDefault);
  EXPECT_TRUE(q.order_by[1].descending);
  EXPECT_EQ(q.order_by[2].type, OrderType::kLong);
  EXPECT_EQ(q.order_by[3].type, OrderType::kDouble);
  EXPECT_TRUE(q.order_by[3].descending);
  EXPECT_EQ(q.order_by[4].type, OrderType::kAlphaNumeric);
  EXPECT_FALSE(q.order_by[4].descending);
  EXPECT_EQ(q.order_by[5].type, OrderType::kString);
  EXPECT_TRUE(q.order_by[5].descending);
  EXPECT_EQ(q.order_by[6].field.path, "x");

  Query r = MustParse("from Users order by random(), random('seed') desc, id() desc");
  EXPECT_TRUE(r.order_by[0].random);
  EXPECT_FALSE(r.order_by[0].random_seed.has_value());
  ASSERT_TRUE(r.order_by[1].random_seed.has_value());
  EXPECT_EQ(r.order_by[1].random_seed->literal, json::Value::String("seed"));
  EXPECT_EQ(r.order_by[2].field.kind, FieldRef::Kind::kId);
  EXPECT_TRUE(r.order_by[2].descending);
}

TEST(RqlParserTest, Select) {
  Query q = MustParse(
      "from 'Users' select name, age, @metadata.@nested-object-types as "
      "__PROJECTED_NESTED_OBJECT_TYPES__");
  ASSERT_TRUE(q.has_select);
  EXPECT_FALSE(q.distinct);
  ASSERT_EQ(q.select.size(), 3u);
  EXPECT_EQ(q.select[0].field.path, "name");
  EXPECT_EQ(q.select[0].alias, "");
  EXPECT_EQ(q.select[2].field.path, "@metadata.@nested-object-types");
  EXPECT_EQ(q.select[2].alias, "__PROJECTED_NESTED_OBJECT_TYPES__");

  Query a = MustParse("from 'Users' select name as n, age as 'the age', id() as Id");
  EXPECT_EQ(a.select[0].alias, "n");
  EXPECT_EQ(a.select[1].alias, "the age");
  EXPECT_EQ(a.select[2].field.kind, FieldRef::Kind::kId);
  EXPECT_EQ(a.select[2].alias, "Id");

  Query d = MustParse("from 'Users' select distinct name");
  EXPECT_TRUE(d.distinct);
  EXPECT_EQ(d.select.size(), 1u);

  Query star = MustParse("from Users select distinct *");
  EXPECT_FALSE(star.has_select);
  EXPECT_TRUE(star.distinct);
}

TEST(RqlParserTest, GroupBy) {
  Query q = MustParse("from 'Users' group by name select key(), count() as count");
  ASSERT_EQ(q.group_by.size(), 1u);
  EXPECT_EQ(q.group_by[0].path, "name");
  ASSERT_EQ(q.select.size(), 2u);
  EXPECT_EQ(q.select[0].kind, Projection::Kind::kKey);
  EXPECT_EQ(q.select[1].kind, Projection::Kind::kCount);
  EXPECT_EQ(q.select[1].alias, "count");

  Query s = MustParse(
      "from Orders group by Company, ShipTo.City where Company = 'c' select Company, "
      "sum(Freight) as total");
  EXPECT_EQ(s.group_by.size(), 2u);
  EXPECT_EQ(s.group_by[1].path, "ShipTo.City");
  EXPECT_NE(s.where, nullptr);
  EXPECT_EQ(s.select[1].kind, Projection::Kind::kSum);
  EXPECT_EQ(s.select[1].field.path, "Freight");
  EXPECT_EQ(s.select[1].alias, "total");
}

TEST(RqlParserTest, LoadAliases) {
  // RavenDB's place for load: after where / order by, before select.
  Query q = MustParse(
      "from Orders as o where o.Freight > 10 order by o.Freight load o.Company as c, o.Employee e "
      "select o.Total, c.Name as company, c, id(c), e.FirstName include o.Company");
  ASSERT_EQ(q.loads.size(), 2u);
  EXPECT_EQ(q.loads[0].field.path, "Company");
  EXPECT_EQ(q.loads[0].field.source, "");
  EXPECT_EQ(q.loads[0].alias, "c");
  EXPECT_EQ(q.loads[1].alias, "e");
  EXPECT_EQ(Render(q.select[0].field), "Total");
  EXPECT_EQ(Render(q.select[1].field), "c:Name");
  EXPECT_EQ(Render(q.select[2].field), "c:");
  EXPECT_EQ(Render(q.select[3].field), "c:id()");
  EXPECT_EQ(Render(q.select[4].field), "e:FirstName");
  EXPECT_EQ(Render(q.includes[0]), "Company");
  // Before where (an extension): the where clause sees the alias.
  EXPECT_EQ(Where("from Orders as o load o.Company as c where c.Name = 'x' and o.Total > 1"),
            R"((and (= c:Name "x") (> Total 1)))");
  // After where, the where clause does not: c.Name is a document path there.
  Query late = MustParse("from Orders where c.Name = 1 load Company as c select c.Name");
  EXPECT_EQ(Render(*late.where), "(= c.Name 1)");
  EXPECT_EQ(Render(late.select[0].field), "c:Name");
}

TEST(RqlParserTest, Include) {
  Query q = MustParse("from Orders include companyId,managerId, Lines[].Product, 'quoted name'");
  ASSERT_EQ(q.includes.size(), 4u);
  EXPECT_EQ(q.includes[0].path, "companyId");
  EXPECT_EQ(q.includes[1].path, "managerId");
  EXPECT_EQ(q.includes[2].path, "Lines[].Product");
  EXPECT_EQ(q.includes[3].path, "quoted name");
}

TEST(RqlParserTest, Paging) {
  Query q = MustParse("from 'Users' where name = $p0 order by age limit $p1, $p2");
  ASSERT_TRUE(q.offset && q.limit);
  EXPECT_EQ(q.offset->parameter, "p1");
  EXPECT_EQ(q.limit->parameter, "p2");

  Query l = MustParse("from Users limit 10");
  EXPECT_FALSE(l.offset);
  EXPECT_EQ(l.limit->literal.as_int(), 10);

  Query lo = MustParse("from Users limit 10 offset 5");
  EXPECT_EQ(lo.limit->literal.as_int(), 10);
  EXPECT_EQ(lo.offset->literal.as_int(), 5);

  Query o = MustParse("from Users offset $skip");
  EXPECT_FALSE(o.limit);
  EXPECT_EQ(o.offset->parameter, "skip");

  Query c = MustParse("from Users limit 5, 0");
  EXPECT_EQ(c.offset->literal.as_int(), 5);
  EXPECT_EQ(c.limit->literal.as_int(), 0);
}

TEST(RqlParserTest, UpdateScriptIsCapturedRaw) {
  Query q = MustParse("from Users update { this.x = 1; }");
  EXPECT_EQ(q.operation, Query::Operation::kUpdate);
  EXPECT_EQ(q.update_script, " this.x = 1; ");

  const char* tricky =
      "from Users as u where u.Age > 1 update {\n"
      "  if (u.a) { u.b = '}'; } // } in a comment\n"
      "  u.c = \"{\\\"\"; /* { */ u.d = `${u.e}}`;\n"
      "} limit 10";
  Query t = MustParse(tricky);
  EXPECT_EQ(t.update_script,
            "\n  if (u.a) { u.b = '}'; } // } in a comment\n"
            "  u.c = \"{\\\"\"; /* { */ u.d = `${u.e}}`;\n");
  EXPECT_EQ(t.limit->literal.as_int(), 10);
  EXPECT_EQ(MustParse("from Users update {}").update_script, "");
}

TEST(RqlParserTest, CommentsAndWhitespace) {
  Query q = MustParse(
      "// leading comment\nfrom Users /* inline */ as u\n\twhere /* a\nb */ u.Name = 'x' // end\r\n"
      "select u.Name");
  EXPECT_EQ(q.alias, "u");
  EXPECT_EQ(Render(*q.where), R"((= Name "x"))");
  EXPECT_EQ(q.where->pos.line, 4u);
  EXPECT_EQ(q.where->pos.column, 6u);
  // "//" and "/*" inside strings are text.
  EXPECT_EQ(Where("from U where a = '// not a comment /* nor this */'"),
            R"((= a "// not a comment /* nor this */"))");
}

TEST(RqlParserTest, FullClauseOrder) {
  Query q = MustParse(
      "from index 'Orders/Totals' as o group by o.Company where o.Total > $min order by o.Total "
      "as double desc load o.Company as c select key() as k, count(), c.Name include o.Company "
      "limit 0, 25");
  EXPECT_EQ(q.source, Query::SourceKind::kIndex);
  EXPECT_EQ(q.group_by[0].path, "Company");
  EXPECT_EQ(Render(*q.where), "(> Total $min)");
  EXPECT_EQ(q.order_by[0].type, OrderType::kDouble);
  EXPECT_EQ(q.loads[0].alias, "c");
  EXPECT_EQ(q.select.size(), 3u);
  EXPECT_EQ(Render(q.select[2].field), "c:Name");
  EXPECT_EQ(q.includes.size(), 1u);
  EXPECT_EQ(q.limit->literal.as_int(), 25);
}

TEST(RqlParserTest, LongChainsMakeShallowTrees) {
  std::string text = "from U where a = 0";
  constexpr int kTerms = 50000;
  for (int i = 1; i < kTerms; ++i)
    text += (i % 3 == 0 ? " or a = " : " and a = ") + std::to_string(i);
  Query q = MustParse(text);
  ASSERT_NE(q.where, nullptr);
  std::function<int(const Expr&)> height = [&](const Expr& e) {
    int h = 0;
    if (e.left) h = std::max(h, height(*e.left));
    if (e.right) h = std::max(h, height(*e.right));
    return h + 1;
  };
  EXPECT_LT(height(*q.where), 40);
  // The leaves are still in text order.
  std::function<void(const Expr&, std::vector<int64_t>*)> leaves = [&](const Expr& e,
                                                                       std::vector<int64_t>* out) {
    if (e.kind == Expr::Kind::kCompare) {
      out->push_back(e.values[0].literal.as_int());
      return;
    }
    leaves(*e.left, out);
    leaves(*e.right, out);
  };
  std::vector<int64_t> seen;
  leaves(*q.where, &seen);
  ASSERT_EQ(seen.size(), static_cast<size_t>(kTerms));
  for (int i = 0; i < kTerms; ++i) ASSERT_EQ(seen[i], i);
}

}  // namespace
}  // namespace rookery::query
