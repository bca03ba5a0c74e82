#include "bench/jsindex_workload.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace rookery::bench {
namespace {

const char* const kCities[] = {"Oslo", "Lyon", "Porto", "Graz", "Turku", "Gdansk", "Leeds"};
const char* const kCountries[] = {"Norway",  "France", "Portugal", "Austria",
                                  "Finland", "Poland", "UK"};

std::string Cents(uint64_t cents) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llu.%02llu", static_cast<unsigned long long>(cents / 100),
                static_cast<unsigned long long>(cents % 100));
  return buf;
}

}  // namespace

std::string Orders::Json(uint64_t n, uint64_t company, uint64_t cents) {
  // Deterministic from n, so that a change rewrites the same document with another Total.
  const uint64_t h = n * 0x9E3779B97F4A7C15ULL;
  const int city = static_cast<int>((h >> 20) % 7);
  std::string s = R"({"Company":")" + Company(company) + R"(","Employee":"employees/)" +
                  std::to_string(1 + (h >> 8) % 97) + R"(-A","OrderedAt":"2024-)";
  char date[32];
  std::snprintf(date, sizeof date, "%02d-%02dT%02d:%02d:00.0000000Z",
                static_cast<int>(1 + (h >> 12) % 12), static_cast<int>(1 + (h >> 16) % 28),
                static_cast<int>((h >> 24) % 24), static_cast<int>((h >> 30) % 60));
  s += date;
  s += R"(","ShipVia":"shippers/)" + std::to_string(1 + (h >> 36) % 3) + R"(-A","Freight":)" +
       Cents((h >> 40) % 20000) + R"(,"ShipTo":{"City":")" + kCities[city] + R"(","Country":")" +
       kCountries[city] + R"("},"Lines":[{"Product":"products/)" +
       std::to_string(1 + (h >> 44) % 77) + R"(-A","Quantity":)" +
       std::to_string(1 + (h >> 50) % 9) + R"(,"PricePerUnit":)" + Cents(100 + (h >> 52) % 5000) +
       R"(},{"Product":"products/)" + std::to_string(1 + (h >> 56) % 77) +
       R"(-A","Quantity":1,"PricePerUnit":9.5}],"Total":)" + Cents(cents) + "}";
  return s;
}

std::string Orders::Next(uint64_t n) {
  const uint64_t company = rng_() % o_.companies;
  const uint64_t cents = rng_() % 1'000'000;
  if (company_of_.size() <= n) {
    company_of_.resize(n + 1);
    cents_of_.resize(n + 1);
  }
  company_of_[n] = static_cast<uint32_t>(company);
  cents_of_[n] = static_cast<uint32_t>(cents);
  Group& g = expected_[Company(company)];
  g.count += 1;
  g.total += static_cast<long double>(cents) / 100;
  return Json(n, company, cents);
}

std::string Orders::Change(uint64_t n) {
  const uint64_t cents = rng_() % 1'000'000;
  Group& g = expected_[Company(company_of_[n])];
  g.total += (static_cast<long double>(cents) - cents_of_[n]) / 100;
  cents_of_[n] = static_cast<uint32_t>(cents);
  return Json(n, company_of_[n], cents);
}

std::string CompareGroups(const Groups& expected, const Groups& actual) {
  std::string out;
  int shown = 0;
  auto note = [&](const std::string& line) {
    if (shown++ < 5) out += line + "\n";
  };
  for (const auto& [company, want] : expected) {
    auto it = actual.find(company);
    if (it == actual.end()) {
      note("missing group " + company);
      continue;
    }
    const long double tolerance = 1e-9L * std::max<long double>(1, std::fabs(want.total));
    if (it->second.count != want.count || std::fabs(it->second.total - want.total) > tolerance) {
      char buf[256];
      std::snprintf(buf, sizeof buf, "%s: count %llu total %.2Lf, expected count %llu total %.2Lf",
                    company.c_str(), static_cast<unsigned long long>(it->second.count),
                    it->second.total, static_cast<unsigned long long>(want.count), want.total);
      note(buf);
    }
  }
  for (const auto& [company, got] : actual) {
    if (expected.count(company) == 0) note("unexpected group " + company);
  }
  if (shown > 5) out += std::to_string(shown - 5) + " more differences\n";
  return out;
}

}  // namespace rookery::bench
