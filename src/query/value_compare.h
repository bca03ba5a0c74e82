// Value helpers shared by evaluation, ordering and projection (eval.h states the rules). Internal
// to the query layer. Pure functions; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "json/value.h"
#include "query/ast.h"

namespace rookery::query {

// Numeric comparison across kInt/kUint/kDouble: <0, 0, >0. Exact for every pair of 64-bit
// integers. Both must be numbers.
int CompareNumbers(const json::Value& a, const json::Value& b);

// The text of a value as RavenDB indexes it: a string as is, a number as its canonical JSON text,
// "true"/"false", "null", and arrays/objects serialized.
std::string ValueText(const json::Value& value);

// Appends `value`, or, if it is an array, its elements (recursively), to `out`.
void AppendFlattened(const json::Value* value, std::vector<const json::Value*>* out);

// "Name", "c.Name", "id()", "id(c)": how a field is named in error messages.
std::string FieldText(const FieldRef& field);

}  // namespace rookery::query
