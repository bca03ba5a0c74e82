// A deliberate layering violation: platform/ must never include server/. The test
// layering.catches_planted_violation runs layer_check over src/ plus this tree and expects it to
// name this file. It is never compiled.
#include "server/http_server.h"
