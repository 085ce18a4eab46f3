// stoa-fcgi: one FastCGI worker process. Under spawn-fcgi the listening
// socket is fd 0; for development `--socket PATH` opens one.
#include <sodium.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "app.h"
#include "config/config.h"
#include "crypto/password_hash.h"
#include "fcgi/worker.h"
#include "handlers/routes.h"
#include "log/log.h"

int main(int argc, char** argv) {
    std::string socket_path;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
            socket_path = argv[++i];
        } else if (std::strcmp(argv[i], "--version") == 0) {
            std::printf("stoa-fcgi %s\n", STOA_VERSION);
            return 0;
        } else {
            std::fprintf(stderr, "usage: stoa-fcgi [--socket PATH]\n");
            return 2;
        }
    }
    if (sodium_init() < 0) {
        stoa::log::error("sodium_init_failed");
        return 1;
    }
    stoa::ConfigVerdict verdict = stoa::load_config_from_process_env();
    for (const auto& w : verdict.warnings) stoa::log::warn("config_warning", stoa::Json::object().set("warning", w));
    if (!verdict.config) {
        for (const auto& e : verdict.errors) stoa::log::error("config_invalid", stoa::Json::object().set("error", e));
        return 78;  // EX_CONFIG: systemd should not restart in a loop on a bad config
    }
    stoa::log::Level level = stoa::log::Level::info;
    stoa::log::parse_level(verdict.config->log_level, level);
    stoa::log::set_level(level);

    stoa::crypto::Argon2Params params;
    params.opslimit = verdict.config->argon2_opslimit;
    params.memlimit_bytes = verdict.config->argon2_memlimit_kib * 1024;
    auto hasher = stoa::crypto::PasswordHasher::create(params);
    if (!hasher) {
        stoa::log::error("config_invalid", stoa::Json::object().set("error", "ARGON2_*: " + hasher.error()));
        return 78;
    }
    stoa::App app(std::move(*verdict.config), std::move(hasher).value());
    stoa::handlers::register_all_routes(app.router);
    return stoa::fcgi::serve(app, socket_path);
}
