// Scripted multi-transaction workloads for the crash sweep. Deterministic: the same scenario
// issues the same I/O operations in the same order every run, so "crash at op k" means the same
// thing each time.
#pragma once

#include <string>
#include <vector>

#include "crash_harness.h"

namespace rookery::crash {

struct NamedScenario {
  std::string name;
  Scenario run;
};

std::vector<NamedScenario> AllScenarios();

}  // namespace rookery::crash
