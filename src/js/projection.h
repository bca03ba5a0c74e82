// Internal to src/js: handing a map only the top-level members it can read (docs/design/
// js-indexes.md, "Projected documents"). Parsing a whole document in the engine is most of a
// simple map's cost; when a map's source shows that every use of its parameter is `param.Name`,
// a document holding only those members gives the map exactly the same values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rookery::js::internal {

// The top-level properties a map function reads, when its source (Function.prototype.toString)
// shows that its single parameter is only ever used as `param.Name` (not followed by a call, so
// no method of the document object is called). nullopt when that cannot be told for sure: any
// other use of the parameter (bare, `param[...]`, `param?.x`, in a string or a comment),
// `arguments`, `eval`, a `\u` escape, a generator or async function, destructuring. Names
// are in first-use order, each once.
std::optional<std::vector<std::string>> ReadProperties(std::string_view source);

// The JSON object text `json` with only its top-level members named in `names`, in document
// order (duplicates kept: JSON.parse keeps the last). nullopt when the text is not an object this
// scanner reads plainly (a member name with an escape, malformed text): use the whole text.
std::optional<std::string> Project(std::string_view json, const std::vector<std::string>& names);

}  // namespace rookery::js::internal
