// layer_check: fails when a file under src/<layer>/ includes a header of a layer that <layer> does
// not depend on (directly or transitively), as declared in the build (build/layers.txt, written
// by cmake/layers.cmake from the rookery_layer() declarations).
//
// Usage: layer_check --manifest build/layers.txt --src src [--src more-roots...]
// Exit status: 0 when every include respects the layering, 1 on violations, 2 on usage errors.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using Graph = std::map<std::string, std::set<std::string>>;

bool ReadManifest(const std::string& path, Graph* graph) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string layer = line.substr(0, colon);
    std::istringstream deps(line.substr(colon + 1));
    auto& set = (*graph)[layer];
    for (std::string dep; deps >> dep;) set.insert(dep);
  }
  return true;
}

std::set<std::string> Closure(const Graph& graph, const std::string& layer) {
  std::set<std::string> seen;
  std::vector<std::string> stack{layer};
  while (!stack.empty()) {
    std::string cur = stack.back();
    stack.pop_back();
    if (!seen.insert(cur).second) continue;
    auto it = graph.find(cur);
    if (it != graph.end()) stack.insert(stack.end(), it->second.begin(), it->second.end());
  }
  return seen;
}

bool IsSource(const fs::path& p) {
  static const std::set<std::string> kExt = {".h", ".hh", ".hpp", ".cc", ".cpp", ".inc"};
  return kExt.count(p.extension().string()) > 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string manifest;
  std::vector<std::string> roots;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--manifest" && i + 1 < argc) {
      manifest = argv[++i];
    } else if (arg == "--src" && i + 1 < argc) {
      roots.emplace_back(argv[++i]);
    } else {
      std::cerr << "usage: layer_check --manifest FILE --src DIR [--src DIR...]\n";
      return 2;
    }
  }
  Graph graph;
  if (manifest.empty() || roots.empty() || !ReadManifest(manifest, &graph)) {
    std::cerr << "layer_check: cannot read manifest '" << manifest << "'\n";
    return 2;
  }

  // Every directory directly under a source root is a layer name space; includes of the form
  // "<dir>/..." where <dir> is a layer are checked, others (third-party) are not.
  std::set<std::string> layer_dirs;
  for (const auto& root : roots) {
    for (const auto& entry : fs::directory_iterator(root)) {
      if (entry.is_directory()) layer_dirs.insert(entry.path().filename().string());
    }
  }
  for (const auto& kv : graph) layer_dirs.insert(kv.first);

  const std::regex include_re(R"(^\s*#\s*include\s*"([^"/]+)/[^"]+")");
  int violations = 0;
  size_t files = 0;
  for (const auto& root : roots) {
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file() || !IsSource(entry.path())) continue;
      const fs::path rel = fs::relative(entry.path(), root);
      const std::string layer = rel.begin()->string();
      ++files;
      if (!graph.count(layer)) {
        std::cout << entry.path().string() << ": layer '" << layer
                  << "' is not declared with rookery_layer() in the build\n";
        ++violations;
        continue;
      }
      const std::set<std::string> allowed = Closure(graph, layer);
      std::ifstream in(entry.path());
      std::string line;
      for (int lineno = 1; std::getline(in, line); ++lineno) {
        std::smatch m;
        if (!std::regex_search(line, m, include_re)) continue;
        const std::string target = m[1].str();
        if (!layer_dirs.count(target) || allowed.count(target)) continue;
        std::cout << entry.path().string() << ":" << lineno << ": layer '" << layer
                  << "' includes a header of layer '" << target
                  << "', which is not below it (allowed: ";
        bool first = true;
        for (const auto& a : allowed) {
          std::cout << (first ? "" : ", ") << a;
          first = false;
        }
        std::cout << ")\n";
        ++violations;
      }
    }
  }
  if (violations > 0) {
    std::cout << "layer_check: " << violations << " layering violation(s)\n";
    return 1;
  }
  std::cout << "layer_check: " << files << " files respect the layering\n";
  return 0;
}
