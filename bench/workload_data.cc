#include "bench/workload_data.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace rookery::bench {
namespace {

uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Small vocabularies, so that words repeat within a document the way real text does.
constexpr const char* kWords[] = {
    "north",  "south",   "harbour", "market",  "street",   "garden",  "river",   "valley", "mill",
    "bridge", "station", "castle",  "orchard", "meadow",   "forest",  "lake",    "hill",   "park",
    "queen",  "king",    "old",     "new",     "upper",    "lower",   "green",   "stone",  "church",
    "please", "deliver", "before",  "noon",    "call",     "ahead",   "fragile", "handle", "with",
    "care",   "leave",   "at",      "door",    "customer", "prefers", "morning", "invoice"};
constexpr const char* kCities[] = {"London", "Berlin",   "Madrid", "Lyon",    "Seattle",
                                   "Lisboa", "Helsinki", "Graz",   "Bergamo", "Montreal"};
constexpr const char* kCountries[] = {"UK",       "Germany", "Spain",   "France", "USA",
                                      "Portugal", "Finland", "Austria", "Italy",  "Canada"};
constexpr const char* kProducts[] = {"Chai",
                                     "Chang",
                                     "Aniseed Syrup",
                                     "Ikura",
                                     "Konbu",
                                     "Tofu",
                                     "Pavlova",
                                     "Tunnbrod",
                                     "Gnocchi di nonna Alice",
                                     "Mozzarella di Giovanni",
                                     "Outback Lager",
                                     "Scottish Longbreads"};
constexpr char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

template <size_t N>
const char* Pick(Rng& rng, const char* const (&list)[N]) {
  return list[rng.Uniform(N)];
}

// Appends printf output to `out`.
template <typename... Args>
void Appendf(std::string* out, const char* format, Args... args) {
  char buf[256];
  int n = std::snprintf(buf, sizeof(buf), format, args...);
  out->append(buf, static_cast<size_t>(n < 0 ? 0 : std::min<int>(n, sizeof(buf) - 1)));
}

}  // namespace

void MakeKey(uint64_t i, char out[kKeySize]) {
  std::memcpy(out, "doc/", 4);
  for (int pos = kKeySize - 1; pos >= 4; --pos) {
    out[pos] = static_cast<char>('0' + i % 10);
    i /= 10;
  }
}

std::string MakeKey(uint64_t i) {
  char key[kKeySize];
  MakeKey(i, key);
  return std::string(key, kKeySize);
}

void MakeValue(uint64_t seed, uint64_t index, size_t size, std::string* out) {
  Rng rng(Mix(seed ^ Mix(index + 0x9e3779b97f4a7c15ULL)));
  out->clear();
  Appendf(out, "{\"Company\":\"companies/%u-A\",\"Employee\":\"employees/%u-A\",",
          static_cast<unsigned>(rng.Uniform(1000)), static_cast<unsigned>(rng.Uniform(100)));
  Appendf(out, "\"Freight\":%u.%02u,\"OrderedAt\":\"20%02u-%02u-%02uT%02u:%02u:%02u.0000000\",",
          static_cast<unsigned>(rng.Uniform(1000)), static_cast<unsigned>(rng.Uniform(100)),
          static_cast<unsigned>(10 + rng.Uniform(15)), static_cast<unsigned>(1 + rng.Uniform(12)),
          static_cast<unsigned>(1 + rng.Uniform(28)), static_cast<unsigned>(rng.Uniform(24)),
          static_cast<unsigned>(rng.Uniform(60)), static_cast<unsigned>(rng.Uniform(60)));
  Appendf(out, "\"ShipVia\":\"shippers/%u-A\",\"ShipTo\":{\"City\":\"%s\",\"Country\":\"%s\",",
          static_cast<unsigned>(1 + rng.Uniform(3)), Pick(rng, kCities), Pick(rng, kCountries));
  Appendf(out, "\"Line1\":\"%u %s %s\",\"PostalCode\":\"%05u\"},\"Lines\":[",
          static_cast<unsigned>(1 + rng.Uniform(300)), Pick(rng, kWords), Pick(rng, kWords),
          static_cast<unsigned>(rng.Uniform(100000)));
  const int lines = 2 + static_cast<int>(rng.Uniform(4));
  for (int l = 0; l < lines; ++l) {
    Appendf(out,
            "%s{\"Discount\":0.%02u,\"PricePerUnit\":%u.%02u,\"Product\":\"products/%u-A\","
            "\"ProductName\":\"%s\",\"Quantity\":%u}",
            l == 0 ? "" : ",", static_cast<unsigned>(rng.Uniform(30)),
            static_cast<unsigned>(rng.Uniform(300)), static_cast<unsigned>(rng.Uniform(100)),
            static_cast<unsigned>(1 + rng.Uniform(77)), Pick(rng, kProducts),
            static_cast<unsigned>(1 + rng.Uniform(50)));
  }
  out->append("],\"Comment\":\"");
  // Pad with comment text up to size - 2 (the closing "}): words from the vocabulary mixed with
  // random reference codes, tuned so the whole value compresses about 2:1.
  const size_t body = size >= 2 ? size - 2 : 0;
  while (out->size() < body) {
    if (rng.Uniform(100) < 20) {
      out->append("ref ");
      for (int c = 0; c < 8; ++c) out->push_back(kAlnum[rng.Uniform(sizeof(kAlnum) - 1)]);
    } else {
      out->append(Pick(rng, kWords));
    }
    out->push_back(' ');
  }
  out->resize(body);
  if (size >= 2) out->append("\"}");
  out->resize(size);  // tiny sizes: the document's first `size` bytes
}

uint64_t Rng::Next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return Mix(state_);
}

std::vector<uint32_t> Permutation(uint32_t n, uint64_t seed) {
  std::vector<uint32_t> p(n);
  for (uint32_t i = 0; i < n; ++i) p[i] = i;
  Rng rng(seed);
  for (uint32_t i = n; i > 1; --i) std::swap(p[i - 1], p[rng.Uniform(i)]);
  return p;
}

std::vector<uint32_t> UniformChoices(uint32_t n, size_t count, uint64_t seed) {
  std::vector<uint32_t> c(count);
  Rng rng(seed);
  for (auto& x : c) x = static_cast<uint32_t>(rng.Uniform(n));
  return c;
}

ZipfGenerator::ZipfGenerator(uint32_t n, double theta, uint64_t seed)
    : n_(n), theta_(theta), rng_(seed) {
  zetan_ = 0;
  for (uint32_t i = 1; i <= n; ++i) zetan_ += 1.0 / std::pow(static_cast<double>(i), theta);
  const double zeta2 = 1.0 + 1.0 / std::pow(2.0, theta);
  alpha_ = 1.0 / (1.0 - theta);
  eta_ = (1.0 - std::pow(2.0 / n, 1.0 - theta)) / (1.0 - zeta2 / zetan_);
}

uint32_t ZipfGenerator::NextRank() {
  const double u = rng_.NextDouble();
  const double uz = u * zetan_;
  if (uz < 1.0) return 0;
  if (uz < 1.0 + std::pow(0.5, theta_)) return n_ > 1 ? 1 : 0;
  auto r = static_cast<uint64_t>(n_ * std::pow(eta_ * u - eta_ + 1.0, alpha_));
  return static_cast<uint32_t>(r >= n_ ? n_ - 1 : r);
}

uint32_t ZipfGenerator::Next() {
  return static_cast<uint32_t>(Mix(NextRank()) % n_);
}

std::vector<uint32_t> ZipfChoices(uint32_t n, double theta, size_t count, uint64_t seed) {
  ZipfGenerator zipf(n, theta, seed);
  std::vector<uint32_t> c(count);
  for (auto& x : c) x = zipf.Next();
  return c;
}

}  // namespace rookery::bench
