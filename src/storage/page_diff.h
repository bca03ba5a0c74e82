// Page diffs: the journal's compact form of a page that changed only in places
// (docs/formats/journal.md, "Body"). Voron journals such diffs too (its DiffPages / DiffApplier);
// this is Rookery's own encoding.
//
// A diff lists the byte runs in which a page (or overflow run) differs from a base: the page's
// previous committed content, or zeros for a page never written before. Encoding compares 8-byte
// words, merges runs separated by at most kMaxMergeGap unchanged bytes, and gives up (returns 0)
// once the diff would reach a caller-chosen limit, so that the caller writes a full image instead.
//
// Encoded form: run count (u32), then per run offset (u32), length (u32) and `length` bytes; runs
// sorted, disjoint, non-empty, inside the page. Little-endian, no alignment.
//
// Pure functions over memory; safe from any thread. ValidatePageDiff accepts arbitrary bytes (a
// recovered journal); ApplyPageDiff trusts a diff that passed it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"

namespace rookery::storage {

// Unchanged bytes between two changed ones that are still merged into one run (a run header
// costs 8 bytes).
inline constexpr size_t kMaxMergeGap = 16;
// The smallest diff (a run count of zero).
inline constexpr size_t kMinPageDiffSize = 4;

// Encodes `page` against `base` (nullptr: against zeros), both `bytes` long (a multiple of 8),
// into `out`, which must hold `limit` bytes. Returns the encoded size, which is < limit, or 0 when
// the diff would take limit bytes or more.
size_t EncodePageDiff(const uint8_t* base, const uint8_t* page, size_t bytes, size_t limit,
                      uint8_t* out);

// OK when `diff` is a well-formed diff for a page (run) of `bytes` bytes; kCorruption naming
// `where` otherwise.
Status ValidatePageDiff(std::span<const uint8_t> diff, size_t bytes, const std::string& where);

// Applies a diff that passed ValidatePageDiff to `page` (its `bytes` bytes).
void ApplyPageDiff(std::span<const uint8_t> diff, uint8_t* page);

}  // namespace rookery::storage
