// stoactl: the operator's command line (migrations, config check, ...).
#include <sodium.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "cli/commands.h"

namespace {

struct Command {
    const char* name;
    int (*run)(const stoa::cli::Args&);
    const char* help;
};

constexpr Command kCommands[] = {
    {"check-config", stoa::cli::check_config, "validate the configuration in the environment"},
    {"migrate", stoa::cli::migrate, "up [N] | down [N] | status: manage the database schema"},
    {"create-admin", stoa::cli::create_admin, "--username U --email E: create (password on stdin) or promote an admin"},
    {"verify-email", stoa::cli::verify_email, "--username U: mark the email verified (guest becomes user)"},
    {"unlock", stoa::cli::unlock, "--username U: lift a login lockout"},
    {"cleanup", stoa::cli::cleanup, "remove expired rate-limit windows, tokens and sessions"},
    {"mail", stoa::cli::mail, "[--follow] [--batch N] | test --to ADDRESS: send the outbox"},
    {"storage", stoa::cli::storage, "sync | check [--checksums] | bench: the file store (share and fallback)"},
};

void usage(FILE* out) {
    std::fprintf(out, "usage: stoactl COMMAND [ARGS]\n\ncommands:\n");
    for (const auto& c : kCommands) std::fprintf(out, "  %-14s %s\n", c.name, c.help);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (std::strcmp(argv[1], "--version") == 0) {
        std::printf("stoactl %s\n", STOA_VERSION);
        return 0;
    }
    if (sodium_init() < 0) {
        std::fprintf(stderr, "error: libsodium failed to initialise\n");
        return 1;
    }
    for (const auto& c : kCommands) {
        if (std::strcmp(argv[1], c.name) == 0) return c.run(stoa::cli::Args(argv + 2, argv + argc));
    }
    std::fprintf(stderr, "stoactl: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
