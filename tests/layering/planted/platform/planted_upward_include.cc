// A deliberate layering violation: platform/ must never include storage/ (a layer above it). The
// tests layering.catches_planted_violation and layering.names_planted_file run layer_check over
// src/ plus this tree and expect it to fail and name this file. It is never compiled.
#include "storage/page.h"
