// PUTs whose document was prepared from JSON text (PrepareDocument, the bulk_docs path) store
// exactly what the same PUT as a json::Value stores, and refuse what it refuses.
#include <string>
#include <vector>

#include "documents/database_test_util.h"
#include "json/dom.h"

namespace rookery::documents {
namespace {

Result<PreparedDocument> Prepare(std::string_view id, std::string_view text) {
  json::Dom dom;
  EXPECT_TRUE(dom.Parse(text)) << text;
  return PrepareDocument(id, dom.root());
}

Command PreparedPut(std::string id, std::string_view text) {
  auto prepared = Prepare(id, text);
  EXPECT_TRUE(prepared.ok()) << prepared.status().ToString();
  PutCommand put;
  put.id = std::move(id);
  if (prepared.ok()) put.prepared = std::move(prepared).value();
  return put;
}

// Stored JSON without the fields that differ between two writes (etag, date).
std::string Comparable(const Document& doc) {
  json::Value v = J(doc.json);
  json::Value* meta = v.Find("@metadata");
  meta->Remove("@change-vector");
  meta->Remove("@last-modified");
  return json::Serialize(v);
}

TEST_F(DatabaseTest, PreparedDocumentsAreStoredAsValueDocuments) {
  const std::vector<std::string> texts = {
      R"({"name":"John","n":1.50,"big":18446744073709551615,"s":"a\"\\\n\u00e9",)"
      R"("@metadata":{"@collection":"Users","Raven-Node-Type":"User","@id":"spoofed",)"
      R"("@change-vector":"x","@flags":"y","@counters":[1],"custom":{"k":[null,true]}},"after":[]})",
      R"({"a":1})",
      R"({"@metadata":null,"x":{}})",
      R"({"@metadata":{"@collection":null}})",
      R"({"@metadata":{"@collection":""},"z":0})",
      R"({"first":1,"@metadata":{"@collection":"Things"},"last":-2.5e10})",
  };
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string a = "value/" + std::to_string(i);
    const std::string b = "prepared/" + std::to_string(i);
    Run({Put(a, texts[i])});
    Run({PreparedPut(b, texts[i])});
    auto da = Get(a);
    auto db = Get(b);
    ASSERT_TRUE(da.has_value() && db.has_value()) << texts[i];
    EXPECT_EQ(db->collection, da->collection) << texts[i];
    // Same bytes but for the id and the per-write metadata.
    std::string expected = Comparable(*da);
    expected.replace(expected.find("\"" + a + "\""), a.size() + 2, "\"" + b + "\"");
    EXPECT_EQ(Comparable(*db), expected) << texts[i];
  }
}

TEST_F(DatabaseTest, PreparedDocumentRefusesWhatExecuteRefuses) {
  for (const std::string_view text :
       {R"([1])", R"("text")", R"({"@metadata":[1]})", R"({"@metadata":{"@collection":5}})"}) {
    auto prepared = Prepare("users/1", text);
    auto executed = db_->Execute({Put("users/1", text)});
    ASSERT_FALSE(prepared.ok()) << text;
    ASSERT_FALSE(executed.ok()) << text;
    EXPECT_EQ(prepared.status().ToString(), executed.status().ToString()) << text;
  }
  // A prepared PUT still goes through the write's own checks (the id here).
  EXPECT_EQ(db_->Execute({PreparedPut(std::string(600, 'x'), "{}")}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Stats().last_etag, 0u);
}

}  // namespace
}  // namespace rookery::documents
