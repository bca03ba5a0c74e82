// Helpers shared by the benchmark programs: argument parsing, and the machine facts of their
// reports (the command line as typed, load average, CPU, memory, kernel, file system). Pure reads
// of /proc and uname; no state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rookery::bench {

// The run's circumstances, printed at the top of a report.
struct ReportContext {
  std::string command_line;  // as typed, shell-quoted
  std::string invoked_as;    // e.g. the make command that ran it; may be empty
  std::string date_utc;
  std::string cpu_model;
  int nproc = 0;
  double mem_gib = 0;
  std::string kernel;
  std::string fs_type;  // of the benchmark directory
  std::string dir;
  std::string loadavg_start;
  std::string loadavg_end;
  double minutes = 0;  // total wall time of the benchmark
};

// Median of the values (mean of the middle two for an even count); 0 when empty.
double Median(std::vector<double> values);

// A decimal unsigned integer, the whole of `text` (no sign, no trailing characters).
bool ParseUint(const char* text, uint64_t* out);
// `arg` quoted for a POSIX shell when it needs quoting, else as is.
std::string ShellQuote(const std::string& arg);
// The first line of a text file, or "" if unreadable.
std::string ReadFirstLine(const char* path);
// "1.23, 0.98, 0.75" from /proc/loadavg.
std::string LoadAverage();
// Fills date, CPU model, nproc, memory, kernel and the file system type of `dir` in *c.
void DescribeMachine(const std::string& dir, ReportContext* c);
// The start of a report: the command line (shell-quoted argv), ROOKERY_BENCH_INVOKED_AS, the
// machine facts of `dir` and the load average now.
void BeginReport(int argc, char** argv, const std::string& dir, ReportContext* c);
// Prints the report to stdout and, when `path` is not empty, writes it there too; false (after
// a message on stderr prefixed with `program`) when the file cannot be written.
bool EmitReport(const std::string& report, const std::string& path, const char* program);

}  // namespace rookery::bench
