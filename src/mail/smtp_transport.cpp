// SmtpTransport: one SMTP session per message through libcurl.
#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <string_view>

#include "mail/transport.h"

namespace stoa::mail {
namespace {

struct EasyDeleter {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;

struct ListDeleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using List = std::unique_ptr<curl_slist, ListDeleter>;

// The message as curl reads it, a chunk per call.
struct Upload {
    std::string_view data;
    std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* up = static_cast<Upload*>(user);
    std::size_t n = std::min(size * count, up->data.size() - up->offset);
    std::memcpy(buffer, up->data.data() + up->offset, n);
    up->offset += n;
    return n;
}

// Collects the first failing curl_easy_setopt.
class Options {
public:
    explicit Options(CURL* c) : c_(c) {}
    template <typename T>
    Options& set(CURLoption option, T value) {
        if (first_error_ == CURLE_OK) first_error_ = curl_easy_setopt(c_, option, value);
        return *this;
    }
    CURLcode result() const { return first_error_; }

private:
    CURL* c_;
    CURLcode first_error_ = CURLE_OK;
};

}  // namespace

SmtpTransport::SmtpTransport(SmtpSettings settings) : settings_(std::move(settings)) {
    // Reference-counted by libcurl; matched in the destructor.
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

SmtpTransport::~SmtpTransport() {
    curl_global_cleanup();
}

Status SmtpTransport::send(const std::string& from_addr, const std::string& to_addr, const std::string& message) {
    Easy easy(curl_easy_init());
    if (!easy) return fail("SMTP: curl_easy_init failed");
    curl_slist* raw_rcpt = curl_slist_append(nullptr, ("<" + to_addr + ">").c_str());
    List rcpt(raw_rcpt);
    if (!rcpt) return fail("SMTP: out of memory");
    const std::string mail_from = "<" + from_addr + ">";
    Upload upload{message, 0};
    char error_text[CURL_ERROR_SIZE] = {};

    Options o(easy.get());
    o.set(CURLOPT_URL, settings_.url.c_str())
        .set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        .set(CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL))
        .set(CURLOPT_SSL_VERIFYPEER, 1L)
        .set(CURLOPT_SSL_VERIFYHOST, 2L)
        .set(CURLOPT_NOSIGNAL, 1L)
        .set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<std::int64_t>(settings_.timeout.count(), 15000)))
        .set(CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()))
        .set(CURLOPT_ERRORBUFFER, error_text)
        .set(CURLOPT_MAIL_FROM, mail_from.c_str())
        .set(CURLOPT_MAIL_RCPT, rcpt.get())
        .set(CURLOPT_UPLOAD, 1L)
        .set(CURLOPT_READFUNCTION, read_upload)
        .set(CURLOPT_READDATA, &upload)
        .set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    if (!settings_.ca_file.empty()) o.set(CURLOPT_CAINFO, settings_.ca_file.c_str());
    if (!settings_.user.empty()) {
        o.set(CURLOPT_USERNAME, settings_.user.c_str()).set(CURLOPT_PASSWORD, settings_.password.c_str());
    }
    if (o.result() != CURLE_OK) return fail(std::string("SMTP: setting up curl: ") + curl_easy_strerror(o.result()));

    CURLcode rc = curl_easy_perform(easy.get());
    if (rc == CURLE_OK) return Ok{};
    long reply = 0;
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &reply);
    std::string why = std::string("SMTP: ") + curl_easy_strerror(rc);
    if (error_text[0] != '\0') why += ": " + std::string(error_text);
    if (reply != 0) why += " (last reply " + std::to_string(reply) + ")";
    return fail(why);
}

}  // namespace stoa::mail
