// `order by`: value comparison per OrderType, alphanumeric order, and multi-key ordering of whole
// results (eval.h states the rules).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <optional>

#include "base/checksum.h"
#include "json/text.h"
#include "query/eval.h"
#include "query/value_compare.h"

namespace rookery::query {

namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// The numeric value of a value for kLong/kDouble ordering, or nullopt when it has none.
std::optional<long double> NumericValue(const json::Value& value, OrderType type) {
  long double number;
  if (value.is_number()) {
    switch (value.type()) {
      case json::Type::kInt:
        number = static_cast<long double>(value.as_int());
        break;
      case json::Type::kUint:
        number = static_cast<long double>(value.as_uint());
        break;
      default:
        number = static_cast<long double>(value.as_double());
    }
  } else if (value.is_string()) {
    const std::string& text = value.as_string();
    if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
    char* end = nullptr;
    number = std::strtold(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(number)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return type == OrderType::kLong ? std::trunc(number) : number;
}

int Sign(long double a, long double b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

// Ranks for kLong/kDouble: null/missing, then values without a number, then numbers.
int CompareNumeric(const json::Value& a, const json::Value& b, OrderType type) {
  const std::optional<long double> na = NumericValue(a, type);
  const std::optional<long double> nb = NumericValue(b, type);
  if (na && nb) {
    // Exact for integers (no truncation needed) even beyond 2^53.
    if (a.is_number() && b.is_number() && a.type() != json::Type::kDouble &&
        b.type() != json::Type::kDouble) {
      return CompareNumbers(a, b);
    }
    return Sign(*na, *nb);
  }
  if (na) return 1;
  if (nb) return -1;
  return json::CompareLowerInvariant(ValueText(a), ValueText(b));
}

// The first non-array value inside `value` (depth first), or nullptr for empty arrays.
const json::Value* FirstLeaf(const json::Value* value) {
  if (!value->is_array()) return value;
  for (const json::Value& item : value->items()) {
    if (const json::Value* leaf = FirstLeaf(&item)) return leaf;
  }
  return nullptr;
}

// Hash of the order-by-random seed: its text, so 'abc' and $p (= "abc") agree.
Result<uint64_t> RandomSeed(const OrderBy& order, const json::Value& parameters,
                            uint64_t unseeded_random) {
  if (!order.random_seed) return unseeded_random;
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* seed, ResolveValue(*order.random_seed, parameters));
  if (seed->is_null()) return unseeded_random;
  return Hash64(ValueText(*seed), 0x52514c52414e44ULL);  // "RQLRAND"
}

}  // namespace

int CompareAlphaNumeric(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    // Runs split only at ASCII digits, which never occur inside a UTF-8 sequence.
    const bool digits_a = IsDigit(a[i]);
    const bool digits_b = IsDigit(b[j]);
    const size_t start_a = i;
    const size_t start_b = j;
    while (i < a.size() && IsDigit(a[i]) == digits_a) ++i;
    while (j < b.size() && IsDigit(b[j]) == digits_b) ++j;
    std::string_view run_a = a.substr(start_a, i - start_a);
    std::string_view run_b = b.substr(start_b, j - start_b);
    if (digits_a != digits_b) return digits_a ? -1 : 1;  // a number sorts before text
    int cmp;
    if (digits_a) {
      // Numbers of any length: drop leading zeros, then the longer is larger, else digit order.
      while (!run_a.empty() && run_a.front() == '0') run_a.remove_prefix(1);
      while (!run_b.empty() && run_b.front() == '0') run_b.remove_prefix(1);
      cmp = run_a.size() != run_b.size() ? (run_a.size() < run_b.size() ? -1 : 1)
                                         : run_a.compare(run_b);
    } else {
      cmp = json::CompareLowerInvariant(run_a, run_b);
    }
    if (cmp != 0) return cmp < 0 ? -1 : 1;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

int CompareForOrder(const json::Value* a, const json::Value* b, OrderType type) {
  const bool a_null = a == nullptr || a->is_null();
  const bool b_null = b == nullptr || b->is_null();
  if (a_null || b_null) return a_null == b_null ? 0 : (a_null ? -1 : 1);
  switch (type) {
    case OrderType::kLong:
    case OrderType::kDouble:
      return CompareNumeric(*a, *b, type);
    case OrderType::kAlphaNumeric:
      return CompareAlphaNumeric(ValueText(*a), ValueText(*b));
    case OrderType::kDefault:
    case OrderType::kString:
      break;
  }
  if (a->is_string() && b->is_string()) {
    return json::CompareLowerInvariant(a->as_string(), b->as_string());
  }
  return json::CompareLowerInvariant(ValueText(*a), ValueText(*b));
}

const json::Value* FirstValue(const FieldSource& source, const FieldRef& field,
                              std::vector<const json::Value*>* holder) {
  holder->clear();
  source.Collect(field, holder);
  for (const json::Value* v : *holder) {
    if (const json::Value* leaf = FirstLeaf(v)) return leaf;
  }
  return nullptr;
}

Result<std::vector<size_t>> OrderResults(const std::vector<OrderBy>& order_by,
                                         const std::vector<const FieldSource*>& sources,
                                         const json::Value& parameters, uint64_t unseeded_random) {
  const size_t n = sources.size();
  // One column per key: the first value of each result (field keys) or its random rank.
  std::vector<std::vector<const json::Value*>> values(order_by.size());
  std::vector<std::vector<uint64_t>> ranks(order_by.size());
  std::vector<const json::Value*> holder;
  FieldRef id_field;
  id_field.kind = FieldRef::Kind::kId;
  for (size_t k = 0; k < order_by.size(); ++k) {
    const OrderBy& order = order_by[k];
    if (order.random) {
      ROOKERY_ASSIGN_OR_RETURN(uint64_t seed, RandomSeed(order, parameters, unseeded_random));
      ranks[k].resize(n);
      for (size_t i = 0; i < n; ++i) {
        const json::Value* id = FirstValue(*sources[i], id_field, &holder);
        if (id != nullptr && id->is_string()) {
          ranks[k][i] = Hash64(json::LowerInvariant(id->as_string()), seed);  // ids ignore case
        } else {
          const uint64_t position = i;
          ranks[k][i] = Hash64(&position, sizeof(position), seed);
        }
      }
      continue;
    }
    values[k].resize(n);
    for (size_t i = 0; i < n; ++i) values[k][i] = FirstValue(*sources[i], order.field, &holder);
  }
  std::vector<size_t> permutation(n);
  std::iota(permutation.begin(), permutation.end(), size_t{0});
  std::stable_sort(permutation.begin(), permutation.end(), [&](size_t x, size_t y) {
    for (size_t k = 0; k < order_by.size(); ++k) {
      const OrderBy& order = order_by[k];
      int cmp;
      if (order.random) {
        cmp = ranks[k][x] < ranks[k][y] ? -1 : (ranks[k][x] > ranks[k][y] ? 1 : 0);
      } else {
        cmp = CompareForOrder(values[k][x], values[k][y], order.type);
      }
      if (cmp != 0) return order.descending ? cmp > 0 : cmp < 0;
    }
    return false;
  });
  return permutation;
}

}  // namespace rookery::query
