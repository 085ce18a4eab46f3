// The FastCGI accept loop of one worker process.
#pragma once

#include <string>

#include "app.h"

namespace stoa::fcgi {

// Serves requests until SIGTERM/SIGINT. `socket_path` empty: the listening
// socket is fd 0 (spawn-fcgi); otherwise the worker opens it. Returns the
// process exit code.
int serve(App& app, const std::string& socket_path);

}  // namespace stoa::fcgi
