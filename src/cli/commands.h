// The `rookery` command line: `rookery serve ...`, `--version`, `--help`.
#pragma once

namespace rookery::cli {

// Parses arguments, runs the chosen command and returns the process exit status.
int Main(int argc, char** argv);

}  // namespace rookery::cli
