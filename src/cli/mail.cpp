// stoactl mail: sends what the outbox holds (once, or for ever with
// --follow, as the systemd service does); `stoactl mail test` queues a test
// message to check the transport end to end.
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "config/config.h"
#include "db/connection.h"
#include "json/json.h"
#include "log/log.h"
#include "mail/address.h"
#include "mail/encoding.h"
#include "mail/mailer.h"
#include "mail/outbox.h"
#include "mail/transport.h"

namespace stoa::cli {
namespace {

constexpr const char* kUsage =
    "usage: stoactl mail [--follow] [--batch N]\n"
    "       stoactl mail test --to ADDRESS [--name NAME]\n"
    "  --follow   keep running: poll the outbox every 2 s until SIGTERM or SIGINT\n"
    "  --batch N  send at most N messages per pass (default: all that are due)\n"
    "  test       queue a test message (then `stoactl mail` sends it)\n";

constexpr std::chrono::milliseconds kPollInterval{2000};
constexpr std::chrono::seconds kMaxErrorPause{60};

struct Options {
    bool follow = false;
    std::int64_t batch = 0;
};

std::optional<Options> parse_options(const Args& args) {
    Options o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--follow") {
            o.follow = true;
        } else if (args[i] == "--batch" && i + 1 < args.size()) {
            const std::string& n = args[++i];
            if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos ||
                std::stol(n) == 0) {
                std::fprintf(stderr, "error: --batch: N must be a whole number from 1 to 999999\n");
                return std::nullopt;
            }
            o.batch = std::stol(n);
        } else {
            std::fprintf(stderr, "error: unexpected argument \"%s\"\n", args[i].c_str());
            return std::nullopt;
        }
    }
    return o;
}

// SIGTERM and SIGINT are blocked while the mailer runs and taken with
// sigtimedwait between messages: a message being sent is always settled
// before the process exits, and the pause between polls ends at once.
class StopSignals {
public:
    StopSignals() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGTERM);
        sigaddset(&set_, SIGINT);
        sigprocmask(SIG_BLOCK, &set_, &old_);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
    ~StopSignals() { sigprocmask(SIG_SETMASK, &old_, nullptr); }

    bool requested() { return wait(std::chrono::milliseconds(0)); }
    // True when a stop signal came within `pause` (or earlier).
    bool wait(std::chrono::milliseconds pause) {
        if (stopped_) return true;
        auto deadline = std::chrono::steady_clock::now() + pause;
        while (true) {
            auto left = std::max(std::chrono::steady_clock::now(), deadline) - std::chrono::steady_clock::now();
            auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
            timespec ts{static_cast<std::time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
            int sig = sigtimedwait(&set_, nullptr, &ts);
            if (sig > 0) {
                log::info("mailer_stopping", Json::object().set("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
                stopped_ = true;
                return true;
            }
            if (errno != EINTR || std::chrono::steady_clock::now() >= deadline) return false;
        }
    }

private:
    sigset_t set_{};
    sigset_t old_{};
    bool stopped_ = false;
};

void print_counts(const mail::DrainCounts& c) {
    std::printf("sent %lld, retried %lld, failed %lld\n", static_cast<long long>(c.sent),
                static_cast<long long>(c.retried), static_cast<long long>(c.failed));
}

int run_mailer(const Config& config, const Options& options) {
    auto policy = mail::retry_policy_from_env([](const char* name) { return std::getenv(name); });
    if (!policy) {
        std::fprintf(stderr, "error: %s\n", policy.error().c_str());
        return 1;
    }
    if (config.production() && config.mail_from.empty()) {
        std::fprintf(stderr, "error: MAIL_FROM: is missing; set it to e.g. Stoa <no-reply@example.org>\n");
        return 1;
    }
    auto from = mail::sender_mailbox(config);
    if (!from) {
        std::fprintf(stderr, "error: %s\n", from.error().c_str());
        return 1;
    }
    // A peer that hangs up (sendmail exiting early, an SMTP server closing
    // the socket) must be an error on that message, not the end of the process.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, nullptr);
    const char* ca_file = std::getenv("MAIL_SMTP_CA_FILE");
    auto transport = mail::make_transport(config, ca_file != nullptr ? ca_file : "");
    db::Connection db(config.database_url);
    mail::Mailer mailer(db, *transport, *from, *policy);
    StopSignals signals;
    auto stop = [&signals] { return signals.requested(); };

    mail::DrainCounts total;
    if (!options.follow) {
        try {
            mailer.drain(options.batch, stop, total);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            print_counts(total);
            return 1;
        }
    } else {
        log::info("mailer_started", Json::object()
                                        .set("transport", config.mail_transport)
                                        .set("from", from->address)
                                        .set("max_attempts", policy->max_attempts));
        int errors_in_row = 0;
        while (!signals.requested()) {
            std::chrono::milliseconds pause = kPollInterval;
            try {
                mailer.drain(options.batch, stop, total);
                errors_in_row = 0;
            } catch (const std::exception& e) {
                // The database went away, most likely: keep trying, slower.
                ++errors_in_row;
                pause = std::min<std::chrono::milliseconds>(kPollInterval * (1LL << std::min(errors_in_row, 5)),
                                                            kMaxErrorPause);
                log::error(
                    "mailer_error",
                    Json::object().set("error", e.what()).set("retry_in_ms", static_cast<std::int64_t>(pause.count())));
            }
            if (signals.wait(pause)) break;
        }
    }
    print_counts(total);
    return 0;
}

int queue_test_message(const Config& config, const Args& args) {
    std::string to;
    std::string name;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--to" && i + 1 < args.size())
            to = args[++i];
        else if (args[i] == "--name" && i + 1 < args.size())
            name = args[++i];
        else {
            std::fprintf(stderr, "error: unexpected argument \"%s\"\n%s", args[i].c_str(), kUsage);
            return 2;
        }
    }
    if (!mail::valid_address(to)) {
        std::fprintf(stderr, "error: --to: \"%s\" is not an address like name@example.org\n", to.c_str());
        return 2;
    }
    if (!mail::header_safe(name)) {
        std::fprintf(stderr, "error: --name: control characters are not allowed\n");
        return 2;
    }
    std::string text =
        "This is a test message from `stoactl mail test`.\n\n"
        "If you can read it, mail from " +
        (config.public_base_url.empty() ? std::string("Stoa") : config.public_base_url) + " reaches its readers.\n";
    db::Connection db(config.database_url);
    db::Transaction tx(db);
    mail::enqueue(db, config, mail::OutgoingMail{to, name, "Stoa test message", text, std::nullopt, {}});
    tx.commit();
    std::printf("queued a test message to %s; `stoactl mail` sends it\n", to.c_str());
    return 0;
}

}  // namespace

int mail(const Args& args) {
    std::optional<Options> options;
    bool test = !args.empty() && args[0] == "test";
    if (!test) {
        options = parse_options(args);
        if (!options) {
            std::fputs(kUsage, stderr);
            return 2;
        }
    }
    ConfigVerdict v = load_config_from_process_env();
    for (const auto& e : v.errors) std::fprintf(stderr, "error: %s\n", e.c_str());
    if (!v.config) return 1;
    log::Level level = log::Level::info;
    if (log::parse_level(v.config->log_level, level)) log::set_level(level);
    try {
        return test ? queue_test_message(*v.config, args) : run_mailer(*v.config, *options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}

}  // namespace stoa::cli
