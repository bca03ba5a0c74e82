#include "query/planner.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "indexing/term.h"
#include "query/eval.h"

namespace rookery::query {
namespace {

using IdSet = std::set<std::string>;
using MaybeIds = std::optional<IdSet>;

bool IsDocumentPath(const FieldRef& f) {
  return f.kind == FieldRef::Kind::kPath && f.source.empty() && !f.path.empty();
}

// Whether `text` is a JSON number's text ("31", "-2.5"), in which case eval lets it equal the
// number, so lookups must also try the number term.
std::optional<double> NumberText(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return d;
}

std::string NumberTextOf(const json::Value& v) {
  return json::Serialize(v);
}

class Narrower {
 public:
  Narrower(indexing::IndexSnapshot& snapshot, const indexing::IndexDefinition& definition,
           const json::Value& parameters, size_t max_ids = SIZE_MAX)
      : snapshot_(snapshot), definition_(definition), parameters_(parameters), max_ids_(max_ids) {}

  // Whether a term scan stopped at max_ids (the sets are then incomplete).
  bool over_limit() const { return over_limit_; }

  Result<MaybeIds> Of(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kAnd: {
        ROOKERY_ASSIGN_OR_RETURN(MaybeIds a, Of(*e.left));
        ROOKERY_ASSIGN_OR_RETURN(MaybeIds b, Of(*e.right));
        if (!a) return b;
        if (!b) return a;
        IdSet both;
        std::set_intersection(a->begin(), a->end(), b->begin(), b->end(),
                              std::inserter(both, both.end()));
        return MaybeIds(std::move(both));
      }
      case Expr::Kind::kOr: {
        ROOKERY_ASSIGN_OR_RETURN(MaybeIds a, Of(*e.left));
        if (!a) return MaybeIds();
        ROOKERY_ASSIGN_OR_RETURN(MaybeIds b, Of(*e.right));
        if (!b) return MaybeIds();
        a->insert(b->begin(), b->end());
        return a;
      }
      default:
        break;
    }
    if (!IsDocumentPath(e.field) || !Indexed(e.field.path)) return MaybeIds();
    const std::string& path = e.field.path;
    switch (e.kind) {
      case Expr::Kind::kCompare: {
        ROOKERY_ASSIGN_OR_RETURN(const json::Value* v, ResolveValue(e.values[0], parameters_));
        if (e.op == CompareOp::kEq) {
          IdSet ids;
          ROOKERY_ASSIGN_OR_RETURN(bool ok, Equal(path, *v, &ids));
          return ok ? MaybeIds(std::move(ids)) : MaybeIds();
        }
        if (e.op == CompareOp::kNe) return MaybeIds();
        return Range(path, *v, e.op);
      }
      case Expr::Kind::kIn: {
        IdSet ids;
        for (const ValueRef& ref : e.values) {
          ROOKERY_ASSIGN_OR_RETURN(const json::Value* v, ResolveValue(ref, parameters_));
          if (v->is_array()) {
            for (const json::Value& item : v->items()) {
              ROOKERY_ASSIGN_OR_RETURN(bool ok, Equal(path, item, &ids));
              if (!ok) return MaybeIds();
            }
          } else {
            ROOKERY_ASSIGN_OR_RETURN(bool ok, Equal(path, *v, &ids));
            if (!ok) return MaybeIds();
          }
        }
        return MaybeIds(std::move(ids));
      }
      case Expr::Kind::kBetween: {
        ROOKERY_ASSIGN_OR_RETURN(const json::Value* lo, ResolveValue(e.values[0], parameters_));
        ROOKERY_ASSIGN_OR_RETURN(const json::Value* hi, ResolveValue(e.values[1], parameters_));
        if (lo->is_number() && hi->is_number()) {
          return Scan(path, indexing::EncodeNumberTerm(lo->as_double()),
                      indexing::EncodeNumberTerm(hi->as_double()) + "\xFF");
        }
        if (lo->is_string() && hi->is_string()) {
          return Scan(path, indexing::EncodeStringTerm(lo->as_string()),
                      indexing::EncodeStringTerm(hi->as_string()) + "\xFF");
        }
        return MaybeIds();
      }
      case Expr::Kind::kStartsWith: {
        ROOKERY_ASSIGN_OR_RETURN(const json::Value* v, ResolveValue(e.values[0], parameters_));
        if (!v->is_string()) return MaybeIds();
        const std::string& text = v->as_string();
        const std::string prefix = indexing::EncodeStringPrefix(text);
        IdSet ids;
        ROOKERY_RETURN_IF_ERROR(ScanInto(path, prefix, PrefixEnd(prefix), &ids));
        // startsWith also matches a number's text (eval.h), and numbers are number terms: any
        // prefix a number's text can start with takes every number term as a candidate.
        if (text.empty() || text[0] == '-' || (text[0] >= '0' && text[0] <= '9')) {
          ROOKERY_RETURN_IF_ERROR(ScanInto(path, std::string(1, indexing::kTermNumber),
                                           std::string(1, indexing::kTermNumber + 1), &ids));
        }
        return MaybeIds(std::move(ids));
      }
      default:
        return MaybeIds();
    }
  }

 private:
  bool Indexed(const std::string& path) const {
    return std::find(definition_.fields.begin(), definition_.fields.end(), path) !=
           definition_.fields.end();
  }

  static std::string PrefixEnd(const std::string& prefix) {
    std::string end = prefix;
    while (!end.empty() && static_cast<uint8_t>(end.back()) == 0xFF) end.pop_back();
    if (!end.empty()) end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
    return end;
  }

  Status ScanInto(const std::string& path, const std::string& lo, const std::string& hi,
                  IdSet* ids) {
    return snapshot_.ForEachTerm(path, lo, std::string_view(hi), [&](std::string_view id) {
      ids->emplace(id);
      if (ids->size() <= max_ids_) return true;
      over_limit_ = true;
      return false;
    });
  }

  Result<MaybeIds> Scan(const std::string& path, const std::string& lo, const std::string& hi) {
    IdSet ids;
    ROOKERY_RETURN_IF_ERROR(ScanInto(path, lo, hi, &ids));
    return MaybeIds(std::move(ids));
  }

  // Adds the candidates for `path = v`; false when equality on v cannot be narrowed (null
  // matches missing fields, objects and arrays have no term).
  Result<bool> Equal(const std::string& path, const json::Value& v, IdSet* ids) {
    if (v.is_null() || v.is_object() || v.is_array()) return false;
    auto term = indexing::EncodeTerm(v);
    if (!term) return false;
    ROOKERY_RETURN_IF_ERROR(ScanInto(path, *term, *term + "\xFF", ids));
    // A number equals its text and a numeric string equals the number (eval.h).
    if (v.is_number()) {
      const std::string t = indexing::EncodeStringTerm(NumberTextOf(v));
      ROOKERY_RETURN_IF_ERROR(ScanInto(path, t, t + "\xFF", ids));
    } else if (v.is_string()) {
      if (auto d = NumberText(v.as_string())) {
        const std::string t = indexing::EncodeNumberTerm(*d);
        ROOKERY_RETURN_IF_ERROR(ScanInto(path, t, t + "\xFF", ids));
      }
    }
    return true;
  }

  Result<MaybeIds> Range(const std::string& path, const json::Value& v, CompareOp op) {
    const bool lower_bound = op == CompareOp::kGt || op == CompareOp::kGe;
    std::string type_start;
    std::string type_end;
    std::string bound;
    if (v.is_number()) {
      type_start = std::string(1, indexing::kTermNumber);
      type_end = std::string(1, indexing::kTermNumber + 1);
      bound = indexing::EncodeNumberTerm(v.as_double());
    } else if (v.is_string()) {
      type_start = std::string(1, indexing::kTermString);
      type_end = std::string(1, indexing::kTermString + 1);
      bound = indexing::EncodeStringTerm(v.as_string());
    } else {
      return MaybeIds();
    }
    if (lower_bound) return Scan(path, bound, type_end);
    return Scan(path, type_start, bound + "\xFF");
  }

  indexing::IndexSnapshot& snapshot_;
  const indexing::IndexDefinition& definition_;
  const json::Value& parameters_;
  const size_t max_ids_;
  bool over_limit_ = false;
};

}  // namespace

void WherePaths(const Expr& e, std::vector<std::string>* out) {
  switch (e.kind) {
    case Expr::Kind::kAnd:
    case Expr::Kind::kOr:
      WherePaths(*e.left, out);
      WherePaths(*e.right, out);
      return;
    case Expr::Kind::kNot:
      WherePaths(*e.left, out);
      return;
    case Expr::Kind::kTrue:
      return;
    default:
      if (IsDocumentPath(e.field)) out->push_back(e.field.path);
  }
}

bool WhereOnlyOnId(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kAnd:
    case Expr::Kind::kOr:
      return WhereOnlyOnId(*e.left) && WhereOnlyOnId(*e.right);
    case Expr::Kind::kNot:
      return WhereOnlyOnId(*e.left);
    case Expr::Kind::kTrue:
      return true;
    default:
      return e.field.kind == FieldRef::Kind::kId;
  }
}

indexing::IndexDefinition AutoIndexFor(const Query& query) {
  indexing::IndexDefinition d;
  d.collection = query.source == Query::SourceKind::kAllDocs ? "@all_docs" : query.source_name;
  if (!query.group_by.empty()) {
    d.type = indexing::IndexType::kAutoMapReduce;
    for (const FieldRef& f : query.group_by) d.group_by.push_back(f.path);
    for (const Projection& p : query.select) {
      if (p.kind == Projection::Kind::kSum && IsDocumentPath(p.field))
        d.sums.push_back(p.field.path);
    }
  } else {
    if (query.where) WherePaths(*query.where, &d.fields);
    for (const OrderBy& o : query.order_by) {
      if (!o.random && IsDocumentPath(o.field)) d.fields.push_back(o.field.path);
    }
  }
  d.Normalize();
  return d;
}

namespace {

// A parameter or literal number that converts to a double exactly (so term order and eval's
// exact comparison agree on it); nullopt otherwise.
std::optional<double> ExactNumber(const json::Value& v) {
  if (!v.is_number()) return std::nullopt;
  constexpr int64_t kExact = int64_t{1} << 53;
  if (v.type() == json::Type::kInt && (v.as_int() < -kExact || v.as_int() > kExact)) {
    return std::nullopt;
  }
  if (v.type() == json::Type::kUint && v.as_uint() > static_cast<uint64_t>(kExact)) {
    return std::nullopt;
  }
  return v.as_double();
}

}  // namespace

Result<std::optional<OrderedRange>> OrderedRangeFor(const Query& q,
                                                    const indexing::IndexDefinition& definition,
                                                    const json::Value& parameters) {
  using Maybe = std::optional<OrderedRange>;
  if (q.where == nullptr || q.order_by.size() != 1 || q.distinct || !q.group_by.empty()) {
    return Maybe();
  }
  const OrderBy& order = q.order_by[0];
  const Expr& e = *q.where;
  if (order.random || order.descending || !IsDocumentPath(order.field) ||
      (order.type != OrderType::kLong && order.type != OrderType::kDouble) ||
      !IsDocumentPath(e.field) || e.field.path != order.field.path ||
      std::find(definition.fields.begin(), definition.fields.end(), e.field.path) ==
          definition.fields.end()) {
    return Maybe();
  }
  OrderedRange r;
  r.path = e.field.path;
  r.truncate = order.type == OrderType::kLong;
  const std::string numbers_start(1, indexing::kTermNumber);
  const std::string numbers_end(1, indexing::kTermNumber + 1);
  // Term tree keys are term + lower id, and no lower id holds the byte FF, so term + FF is past
  // every key of that term.
  if (e.kind == Expr::Kind::kBetween) {
    ROOKERY_ASSIGN_OR_RETURN(const json::Value* lo, ResolveValue(e.values[0], parameters));
    ROOKERY_ASSIGN_OR_RETURN(const json::Value* hi, ResolveValue(e.values[1], parameters));
    const auto a = ExactNumber(*lo), b = ExactNumber(*hi);
    if (!a || !b) return Maybe();
    r.lo = indexing::EncodeNumberTerm(*a);
    r.hi = indexing::EncodeNumberTerm(*b) + "\xFF";
    return Maybe(std::move(r));
  }
  if (e.kind != Expr::Kind::kCompare) return Maybe();
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* v, ResolveValue(e.values[0], parameters));
  const auto bound = ExactNumber(*v);
  if (!bound) return Maybe();
  const std::string term = indexing::EncodeNumberTerm(*bound);
  switch (e.op) {
    case CompareOp::kGt:
      r.lo = term + "\xFF";
      r.hi = numbers_end;
      break;
    case CompareOp::kGe:
      r.lo = term;
      r.hi = numbers_end;
      break;
    case CompareOp::kLt:
      r.lo = numbers_start;
      r.hi = term;
      break;
    case CompareOp::kLe:
      r.lo = numbers_start;
      r.hi = term + "\xFF";
      break;
    default:
      return Maybe();
  }
  return Maybe(std::move(r));
}

double DecodeNumberTermKey(std::string_view key) {
  uint64_t bits = 0;
  for (size_t i = 1; i < 9 && i < key.size(); ++i)
    bits = (bits << 8) | static_cast<uint8_t>(key[i]);
  bits = (bits & (uint64_t{1} << 63)) ? bits & ~(uint64_t{1} << 63) : ~bits;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

Result<std::optional<std::set<std::string>>> Candidates(const Expr& expr,
                                                        indexing::IndexSnapshot& snapshot,
                                                        const indexing::IndexDefinition& definition,
                                                        const json::Value& parameters) {
  Narrower n(snapshot, definition, parameters);
  return n.Of(expr);
}

Result<bool> CandidatesAreMatches(const Expr& expr, const indexing::IndexDefinition& definition,
                                  const json::Value& parameters) {
  if (expr.kind != Expr::Kind::kCompare || expr.op != CompareOp::kEq || expr.exact ||
      !IsDocumentPath(expr.field) ||
      std::find(definition.fields.begin(), definition.fields.end(), expr.field.path) ==
          definition.fields.end()) {
    return false;
  }
  ROOKERY_ASSIGN_OR_RETURN(const json::Value* v, ResolveValue(expr.values[0], parameters));
  // A numeric text also scans the number's term, whose values may print differently ("31.0").
  return v->is_string() && !NumberText(v->as_string());
}

Result<std::optional<std::set<std::string>>> CandidatesUpTo(
    const Expr& expr, indexing::IndexSnapshot& snapshot,
    const indexing::IndexDefinition& definition, const json::Value& parameters,
    size_t max_candidates, bool* within) {
  Narrower n(snapshot, definition, parameters, max_candidates);
  ROOKERY_ASSIGN_OR_RETURN(MaybeIds ids, n.Of(expr));
  *within = ids.has_value() && !n.over_limit() && ids->size() <= max_candidates;
  if (!*within) ids.reset();
  return ids;
}

Result<bool> CandidatesWithin(const Expr& expr, indexing::IndexSnapshot& snapshot,
                              const indexing::IndexDefinition& definition,
                              const json::Value& parameters, size_t max_candidates) {
  bool within = false;
  ROOKERY_RETURN_IF_ERROR(
      CandidatesUpTo(expr, snapshot, definition, parameters, max_candidates, &within).status());
  return within;
}

}  // namespace rookery::query
