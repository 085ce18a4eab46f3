// SendmailTransport: `MAIL_SENDMAIL -t -i` as a child process, fed through
// a pipe, never through a shell.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "mail/transport.h"

namespace stoa::mail {
namespace {

constexpr std::size_t kStderrKept = 2000;

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = o.fd_;
            o.fd_ = -1;
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }
    int get() const noexcept { return fd_; }
    bool open() const noexcept { return fd_ >= 0; }
    void reset() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

Result<Pipe> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// The child process: killed and reaped if still running when dropped, so a
// timeout or an exception never leaves a zombie behind.
class Child {
public:
    explicit Child(pid_t pid) noexcept : pid_(pid) {}
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
            }
        }
    }
    // The wait status once the child has exited, without blocking.
    std::optional<int> poll_exit() {
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r != pid_) return std::nullopt;
        pid_ = -1;
        return status;
    }

private:
    pid_t pid_;
};

// Writing to a pipe whose reader has exited raises SIGPIPE; here it must be
// an EPIPE error instead. Restores the previous disposition when done.
class SigpipeIgnored {
public:
    SigpipeIgnored() {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        ::sigaction(SIGPIPE, &ignore, &old_);
    }
    SigpipeIgnored(const SigpipeIgnored&) = delete;
    SigpipeIgnored& operator=(const SigpipeIgnored&) = delete;
    ~SigpipeIgnored() { ::sigaction(SIGPIPE, &old_, nullptr); }

private:
    struct sigaction old_ {};
};

std::string lf_line_ends(const std::string& message) {
    std::string out;
    out.reserve(message.size());
    for (std::size_t i = 0; i < message.size(); ++i) {
        if (message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n') continue;
        out.push_back(message[i]);
    }
    return out;
}

// What the program said, on one line, for the outbox row and the log.
std::string one_line(std::string text) {
    for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

[[noreturn]] void run_child(const std::vector<char*>& argv, int stdin_fd, int stderr_fd) {
    // Only async-signal-safe calls between fork and exec.
    ::dup2(stdin_fd, STDIN_FILENO);
    ::dup2(stderr_fd, STDOUT_FILENO);
    ::dup2(stderr_fd, STDERR_FILENO);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(SIGPIPE, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the mailer blocks SIGTERM/SIGINT
    ::execvp(argv[0], argv.data());
    const char* why = errno == ENOENT ? "no such file\n" : errno == EACCES ? "permission denied\n" : "exec failed\n";
    ssize_t ignored = ::write(STDERR_FILENO, why, std::strlen(why));
    (void)ignored;
    ::_exit(127);
}

}  // namespace

SendmailTransport::SendmailTransport(std::string program, std::chrono::milliseconds timeout)
    : program_(std::move(program)), timeout_(timeout) {}

Status SendmailTransport::send(const std::string& /*from_addr*/, const std::string& /*to_addr*/,
                               const std::string& message) {
    // -t: recipients from the To header; -i: a line with a lone "." is text.
    std::string dash_t = "-t";
    std::string dash_i = "-i";
    std::vector<char*> argv{program_.data(), dash_t.data(), dash_i.data(), nullptr};
    const std::string data = lf_line_ends(message);
    const std::string who = "sendmail (" + program_ + ")";

    auto in = make_pipe();
    if (!in) return fail(who + ": " + in.error());
    auto err = make_pipe();
    if (!err) return fail(who + ": " + err.error());
    SigpipeIgnored sigpipe_ignored;

    pid_t pid = ::fork();
    if (pid < 0) return fail(who + ": fork: " + std::strerror(errno));
    if (pid == 0) run_child(argv, in->read.get(), err->write.get());
    Child child(pid);
    in->read.reset();
    err->write.reset();
    ::fcntl(in->write.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(err->read.get(), F_SETFL, O_NONBLOCK);

    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    std::size_t written = 0;
    bool stdin_refused = false;
    std::string said;
    std::optional<int> status;
    while (!status || err->read.open()) {
        if (written == data.size()) in->write.reset();
        if (!status) status = child.poll_exit();
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return fail(who + ": not done after " + std::to_string(timeout_.count()) + " ms; killed it");
        }
        pollfd fds[2] = {{in->write.get(), POLLOUT, 0}, {err->read.get(), POLLIN, 0}};
        // Once the child has exited, whatever it left in the pipe is read at
        // once; a grandchild holding the pipe open must not keep us waiting.
        int wait_ms = status ? 0 : static_cast<int>(std::min<std::int64_t>(left.count(), 50));
        if (::poll(fds, 2, wait_ms) < 0 && errno != EINTR) return fail(who + ": poll: " + std::strerror(errno));
        if (in->write.open() && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
            ssize_t n = ::write(in->write.get(), data.data() + written, data.size() - written);
            if (n > 0)
                written += static_cast<std::size_t>(n);
            else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                stdin_refused = true;  // EPIPE: it exited or closed stdin
                in->write.reset();
            }
        }
        if (err->read.open()) {
            char buf[4096];
            ssize_t n = ::read(err->read.get(), buf, sizeof buf);
            if (n > 0) {
                if (said.size() < kStderrKept)
                    said.append(buf, std::min(static_cast<std::size_t>(n), kStderrKept - said.size()));
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR) || status) {
                err->read.reset();
            }
        }
    }

    said = one_line(std::move(said));
    std::string detail = said.empty() ? "" : ": " + said;
    if (WIFSIGNALED(*status)) return fail(who + " killed by signal " + std::to_string(WTERMSIG(*status)) + detail);
    int code = WEXITSTATUS(*status);
    if (code == 127 && said.starts_with("no such file")) return fail(who + ": cannot run it: " + said);
    if (code != 0) return fail(who + " exited with status " + std::to_string(code) + detail);
    if (stdin_refused || written != data.size())
        return fail(who + " exited before reading the whole message (" + std::to_string(written) + " of " +
                    std::to_string(data.size()) + " bytes)");
    return Ok{};
}

}  // namespace stoa::mail
