#include "fcgi/worker.h"

#include <fcgiapp.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>

#include "http/pipeline.h"
#include "http/problem.h"
#include "log/log.h"
#include "util/time.h"

namespace stoa::fcgi {
namespace {

class FcgxBody final : public http::BodySource {
public:
    explicit FcgxBody(FCGX_Stream* in) : in_(in) {}
    std::size_t read(char* buf, std::size_t n) override {
        int got = FCGX_GetStr(buf, static_cast<int>(std::min<std::size_t>(n, INT_MAX)), in_);
        return got > 0 ? static_cast<std::size_t>(got) : 0;
    }

private:
    FCGX_Stream* in_;
};

// Owns the FCGX_Request; FCGX_Free is called nowhere else.
class FcgxRequest {
public:
    explicit FcgxRequest(int listen_fd) { FCGX_InitRequest(&raw_, listen_fd, 0); }
    ~FcgxRequest() { FCGX_Free(&raw_, 1); }
    FcgxRequest(const FcgxRequest&) = delete;
    FcgxRequest& operator=(const FcgxRequest&) = delete;
    FCGX_Request* get() noexcept { return &raw_; }

private:
    FCGX_Request raw_{};
};

// SIGTERM/SIGINT put /dev/null where the listening socket was: the request
// in hand finishes (SA_RESTART), and libfcgi's next accept() fails with
// ENOTSOCK, ending the loop. Not FCGX_ShutdownPending(): libfcgi 2.4.2's
// OS_Accept can then loop for ever on a closed connection.
int g_listen_fd = -1;
int g_devnull_fd = -1;

extern "C" void on_shutdown_signal(int) { ::dup2(g_devnull_fd, g_listen_fd); }

void install_signal_handlers(int listen_fd) {
    g_listen_fd = listen_fd;
    g_devnull_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    struct sigaction sa{};
    sa.sa_handler = on_shutdown_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    struct sigaction ignore{};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, nullptr);
}

// libfcgi closes a finished request's connection gracefully: shutdown(),
// then read until nginx closes its end, so that a TCP stack sends no RST
// that would discard the answer. A unix socket has no RST and keeps what
// was written readable after close(), so on one that wait (a sleep and a
// wake-up per request) can be skipped, provided nothing nginx sent is left
// unread: then nginx would see ECONNRESET, and a request body still being
// written would fail (a 502 instead of the worker's early 413). So the rest
// of the body is read first, up to the end of stdin, and only then is the
// connection closed outright (libfcgi does that for one it takes for
// detached).
bool is_unix_socket(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    return ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0 && address.ss_family == AF_UNIX;
}

// Reads what is left of stdin; true when its end was reached cleanly.
bool drain_input(FCGX_Stream* in) {
    std::array<char, 16384> scratch{};
    while (FCGX_GetStr(scratch.data(), static_cast<int>(scratch.size()), in) > 0) {
    }
    return FCGX_GetError(in) == 0 && FCGX_HasSeenEOF(in) != 0;
}

class FcgxSink final : public http::BodySink {
public:
    explicit FcgxSink(FCGX_Stream* out) : out_(out) {}
    bool write(const char* data, std::size_t n) override {
        while (n > 0) {
            int chunk = static_cast<int>(std::min<std::size_t>(n, 1 << 20));
            if (FCGX_PutStr(data, chunk, out_) != chunk) return false;
            data += chunk;
            n -= static_cast<std::size_t>(chunk);
        }
        return true;
    }

private:
    FCGX_Stream* out_;
};

void write_response(FCGX_Request* raw, const http::Request& req, const http::Response& res) {
    std::string head = res.head();
    FCGX_PutStr(head.data(), static_cast<int>(head.size()), raw->out);
    if (req.method() == "HEAD") return;
    if (res.streamed()) {
        FcgxSink sink(raw->out);
        try {
            res.writer()(sink);
        } catch (const std::exception& e) {
            // The head is out: the body can only end early (the client sees a truncated download).
            log::error("stream_failed", Json::object().set("error", e.what()).set("path", req.path()));
        }
        return;
    }
    if (!res.body().empty()) FCGX_PutStr(res.body().data(), static_cast<int>(res.body().size()), raw->out);
}

void serve_one(App& app, FCGX_Request* raw) {
    std::int64_t started = monotonic_micros();
    FcgxBody body(raw->in);
    http::Params params(raw->envp);
    std::optional<http::Request> req;
    http::Response res;
    try {
        req.emplace(params, body);
    } catch (const http::Problem& p) {
        // Unparsable request line data (e.g. Content-Length): answer it directly.
        std::string id = http::new_request_id();
        res = http::problem_response(p, id);
        res.header("X-Request-Id", id);
        std::string head = res.head();
        FCGX_PutStr(head.data(), static_cast<int>(head.size()), raw->out);
        FCGX_PutStr(res.body().data(), static_cast<int>(res.body().size()), raw->out);
        return;
    }
    log::set_request_id(req->request_id());
    res = http::handle(app, *req);
    write_response(raw, *req, res);
    double ms = static_cast<double>(monotonic_micros() - started) / 1000.0;
    log::request(req->method(), req->route_pattern().empty() ? std::string_view("-") : req->route_pattern(),
                 res.status(), ms, req->client_ip());
    log::set_request_id("");
}

}  // namespace

int serve(App& app, const std::string& socket_path) {
    if (FCGX_Init() != 0) {
        log::error("fcgi_init_failed");
        return 1;
    }
    int listen_fd = 0;
    if (!socket_path.empty()) {
        ::unlink(socket_path.c_str());
        listen_fd = FCGX_OpenSocket(socket_path.c_str(), 128);
        if (listen_fd < 0) {
            log::error("fcgi_socket_failed", Json::object().set("socket", socket_path));
            return 1;
        }
        ::chmod(socket_path.c_str(), 0660);
    } else if (FCGX_IsCGI()) {
        log::error("fcgi_no_socket", Json::object().set("hint", "start under spawn-fcgi, or pass --socket PATH"));
        return 2;
    }
    install_signal_handlers(listen_fd);
    log::info("worker_started", Json::object().set("pid", static_cast<std::int64_t>(getpid())));
    const bool close_outright = is_unix_socket(listen_fd);
    FcgxRequest request(listen_fd);
    while (FCGX_Accept_r(request.get()) >= 0) {
        try {
            serve_one(app, request.get());
        } catch (const std::exception& e) {
            // Last resort: the pipeline answers every error itself.
            log::error("request_failed", Json::object().set("error", e.what()));
        }
        if (close_outright && drain_input(request.get()->in))
            request.get()->detached = 1;  // reset by libfcgi when it closes
        FCGX_Finish_r(request.get());
    }
    log::info("worker_stopped", Json::object().set("pid", static_cast<std::int64_t>(getpid())));
    return 0;
}

}  // namespace stoa::fcgi
