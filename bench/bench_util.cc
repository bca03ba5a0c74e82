#include "bench/bench_util.h"

#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

namespace rookery::bench {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

bool ParseUint(const char* text, uint64_t* out) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-') return false;
  *out = v;
  return true;
}

std::string ShellQuote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./=,:+@%") == std::string::npos) {
    return arg;
  }
  std::string q = "'";
  for (char ch : arg) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

std::string ReadFirstLine(const char* path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

std::string LoadAverage() {
  std::istringstream in(ReadFirstLine("/proc/loadavg"));
  std::string a, b, c;
  in >> a >> b >> c;
  return a + ", " + b + ", " + c;
}

void DescribeMachine(const std::string& dir, ReportContext* c) {
  c->nproc = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string l; std::getline(cpuinfo, l);) {
    if (l.rfind("model name", 0) == 0 && l.find(':') != std::string::npos) {
      c->cpu_model = l.substr(l.find(':') + 2);
      break;
    }
  }
  std::ifstream meminfo("/proc/meminfo");
  for (std::string l; std::getline(meminfo, l);) {
    if (l.rfind("MemTotal:", 0) == 0) c->mem_gib = std::atof(l.c_str() + 9) / (1024.0 * 1024.0);
  }
  struct utsname u;
  if (uname(&u) == 0) c->kernel = u.release;
  struct statfs fs;
  c->fs_type = "file system unknown";
  if (statfs(dir.c_str(), &fs) == 0) {
    switch (static_cast<unsigned long>(fs.f_type)) {
      case 0xEF53:
        c->fs_type = "ext4";
        break;
      case 0x58465342:
        c->fs_type = "xfs";
        break;
      case 0x9123683E:
        c->fs_type = "btrfs";
        break;
      case 0x01021994:
        c->fs_type = "tmpfs: fsync is free, durability figures are meaningless";
        break;
      case 0x794c7630:
        c->fs_type = "overlayfs";
        break;
      case 0x2FC12FC1:
        c->fs_type = "zfs";
        break;
      default: {
        char buf[64];
        std::snprintf(buf, sizeof(buf), "file system magic 0x%lx",
                      static_cast<unsigned long>(fs.f_type));
        c->fs_type = buf;
      }
    }
  }
  char date[64];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  c->date_utc = date;
}

void BeginReport(int argc, char** argv, const std::string& dir, ReportContext* c) {
  for (int i = 0; i < argc; ++i) c->command_line += (i ? " " : "") + ShellQuote(argv[i]);
  if (const char* via = std::getenv("ROOKERY_BENCH_INVOKED_AS")) c->invoked_as = via;
  DescribeMachine(dir, c);
  c->dir = dir;
  c->loadavg_start = LoadAverage();
}

bool EmitReport(const std::string& report, const std::string& path, const char* program) {
  std::fputs(report.c_str(), stdout);
  if (path.empty()) return true;
  std::ofstream out(path, std::ios::trunc);
  out << report;
  out.close();
  if (!out) {
    std::fprintf(stderr, "%s: cannot write %s\n", program, path.c_str());
    return false;
  }
  std::fprintf(stderr, "%s: report written to %s\n", program, path.c_str());
  return true;
}

}  // namespace rookery::bench
