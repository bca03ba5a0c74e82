// CPU time of the two JavaScript bridges (docs/design/js.md): the document handed over as JSON
// text and parsed inside JavaScript, against V8 objects built from a json::Value in C++ (with the
// results walked from C++). One thread; CPU time from getrusage, so a loaded machine inflates
// both sides alike.
//
//   ninja -C build js_bridge_bench && build/src/js/js_bridge_bench [docs]
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "js/runtime.h"
#include "js/v8_program.h"

namespace {

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string Document(int i) {
  return R"({"Company":"companies/)" + std::to_string(i % 1000) + R"(","Employee":"employees/)" +
         std::to_string(i % 97) + R"(","OrderedAt":"2024-03-0)" + std::to_string(1 + i % 9) +
         R"(T10:20:30.0000000Z","Freight":)" + std::to_string(i % 300) +
         R"(.25,"ShipTo":{"City":"Oslo",)"
         R"("Country":"Norway","Line1":"Street )" +
         std::to_string(i) +
         R"("},"Lines":[)"
         R"({"Product":"products/1","Quantity":2,"PricePerUnit":10.5,"Discount":0},)"
         R"({"Product":"products/7","Quantity":1,"PricePerUnit":99.99,"Discount":0.1}],)"
         R"("@metadata":{"@collection":"Orders","@id":"orders/)" +
         std::to_string(i) + R"("}})";
}

struct Case {
  const char* name;
  const char* map;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace rookery;
  const int docs = argc > 1 ? std::atoi(argv[1]) : 200000;
  std::vector<std::string> texts;
  std::vector<json::Value> values;
  for (int i = 0; i < 1000; ++i) {
    texts.push_back(Document(i));
    values.push_back(json::Parse(texts.back()).value());
  }
  const Case cases[] = {
      {"simple", "map('Orders', o => ({ Company: o.Company, Count: 1, Freight: o.Freight }))"},
      {"heavy",
       "map('Orders', o => ({ Company: o.Company, City: o.ShipTo.City, "
       "Month: new Date(o.OrderedAt).getUTCMonth() + 1, "
       "Total: o.Lines.reduce((s, l) => s + l.Quantity * l.PricePerUnit * (1 - l.Discount), 0), "
       "Products: o.Lines.map(l => l.Product) }))"},
  };
  auto runtime = js::NewRuntime().value();
  std::printf("| map | bridge | docs | CPU s | docs/s (CPU) |\n|---|---|---|---|---|\n");
  for (const Case& c : cases) {
    auto program = runtime->Compile({{c.map}, ""}).value();
    auto* v8_program = static_cast<js::internal::V8IndexProgram*>(program.get());
    for (int bridge = 0; bridge < 2; ++bridge) {
      size_t entries = 0;
      const double start = CpuSeconds();
      for (int i = 0; i < docs; ++i) {
        const int k = i % 1000;
        if (bridge == 0) {
          // The text path as the indexing layer gets it: stored JSON text in, json::Value out.
          entries += program->RunMap({"Orders", "", texts[k]}, nullptr).value().entries.size();
        } else {
          // The object path from a json::Value (building one from text would cost extra).
          entries += v8_program->RunMapObjects("Orders", values[k]).value().entries.size();
        }
      }
      const double cpu = CpuSeconds() - start;
      std::printf("| %s | %s | %d | %.2f | %.0f |\n", c.name,
                  bridge == 0 ? "JSON text + JSON.parse" : "objects built in C++", docs, cpu,
                  docs / cpu);
      if (entries != static_cast<size_t>(docs)) return 1;
    }
  }
  return 0;
}
