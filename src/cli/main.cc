#include "cli/commands.h"

int main(int argc, char** argv) {
  return rookery::cli::Main(argc, argv);
}
