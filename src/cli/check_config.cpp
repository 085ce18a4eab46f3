#include <cstdio>

#include "cli/commands.h"
#include "config/config.h"

namespace stoa::cli {

int check_config(const Args& args) {
    if (!args.empty()) {
        std::fprintf(stderr, "usage: stoactl check-config\n");
        return 2;
    }
    ConfigVerdict v = load_config_from_process_env();
    for (const auto& w : v.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    for (const auto& e : v.errors) std::fprintf(stderr, "error: %s\n", e.c_str());
    if (!v.config) {
        std::fprintf(stderr, "configuration refused (%zu error%s)\n", v.errors.size(), v.errors.size() == 1 ? "" : "s");
        return 1;
    }
    std::printf("configuration ok (%s)\n", environment_name(v.config->env));
    return 0;
}

}  // namespace stoa::cli
