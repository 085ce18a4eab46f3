#include "image/picture.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "image/vips_ptr.h"
#include "image/webp_metadata.h"
#include "log/log.h"

namespace stoa::image {
namespace {

constexpr const char* kNotAnImage = "the file is not a PNG, JPEG, WebP or GIF image";
constexpr const char* kUndecodable = "the image could not be decoded (damaged or truncated?); send a PNG, JPEG, WebP or GIF";

// libvips starts threads of its own. They must not take the worker's
// SIGTERM (the FastCGI loop waits for it on the main thread), so the
// shutdown signals are blocked while libvips runs: threads created meanwhile
// inherit the mask, and a signal that arrives is delivered afterwards.
class ShutdownSignalsBlocked {
public:
    ShutdownSignalsBlocked() {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        pthread_sigmask(SIG_BLOCK, &set, &old_);
    }
    ~ShutdownSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
    ShutdownSignalsBlocked(const ShutdownSignalsBlocked&) = delete;
    ShutdownSignalsBlocked& operator=(const ShutdownSignalsBlocked&) = delete;

private:
    sigset_t old_{};
};

extern "C" void vips_log_line(const gchar* domain, GLogLevelFlags level, const gchar* message, gpointer) {
    log::debug("vips", Json::object()
                           .set("domain", domain == nullptr ? "" : domain)
                           .set("level", static_cast<std::int64_t>(level))
                           .set("message", message == nullptr ? "" : message));
}

// libvips is process-wide state of its own: initialised once, on the first
// picture, so processes that never handle one (stoactl, most workers' early
// life) do not pay for it.
bool vips_ready() {
    static const bool ready = [] {
        ShutdownSignalsBlocked blocked;
        if (VIPS_INIT("stoa") != 0) {
            log::error("vips_init_failed", Json::object().set("error", vips_error_buffer()));
            vips_error_clear();
            return false;
        }
        g_log_set_handler("VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL), vips_log_line,
                          nullptr);
        vips_block_untrusted_set(TRUE);
        vips_cache_set_max(0);  // no operation cache: every image is new
        vips_concurrency_set(1);
        return true;
    }();
    return ready;
}

// The error text of the last failed libvips call, for the log; cleared.
std::string take_vips_error() {
    std::string text = vips_error_buffer();
    vips_error_clear();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

struct LoadOptions {
    int jpeg_shrink = 1;
    double webp_scale = 1.0;
};

// Only the loader of the sniffed format ever sees the bytes.
VipsPtr<VipsImage> load(int fd, Format format, const LoadOptions& o) {
    VipsPtr<VipsImage> image;
    if (::lseek(fd, 0, SEEK_SET) != 0) return image;
    VipsPtr<VipsSource> source(vips_source_new_from_descriptor(fd));
    if (!source) return image;
    VipsSource* s = source.get();
    auto access = VIPS_ACCESS_SEQUENTIAL;
    auto fail_on = VIPS_FAIL_ON_ERROR;
    switch (format) {
        case Format::png:
            vips_pngload_source(s, OutImage(image), "access", access, "fail_on", fail_on, nullptr);
            break;
        case Format::jpeg:
            vips_jpegload_source(s, OutImage(image), "access", access, "fail_on", fail_on, "shrink", o.jpeg_shrink,
                                 nullptr);
            break;
        case Format::webp:
            vips_webpload_source(s, OutImage(image), "access", access, "fail_on", fail_on, "scale", o.webp_scale,
                                 nullptr);
            break;
        case Format::gif:
            vips_gifload_source(s, OutImage(image), "access", access, "fail_on", fail_on, nullptr);
            break;
    }
    return image;
}

Result<Picture> failed(const char* client_text, const char* event) {
    log::info(event, Json::object().set("error", take_vips_error()));
    return fail(client_text);
}

}  // namespace

std::optional<Format> sniff_format(std::string_view head) {
    if (head.starts_with("\x89PNG\r\n\x1a\n")) return Format::png;
    if (head.starts_with("\xff\xd8\xff")) return Format::jpeg;
    if (head.starts_with("GIF87a") || head.starts_with("GIF89a")) return Format::gif;
    if (head.size() >= 12 && head.starts_with("RIFF") && head.substr(8, 4) == "WEBP") return Format::webp;
    return std::nullopt;
}

const char* format_name(Format format) {
    switch (format) {
        case Format::png: return "png";
        case Format::jpeg: return "jpeg";
        case Format::webp: return "webp";
        case Format::gif: return "gif";
    }
    return "?";
}

Result<Picture> make_picture(int fd, const PictureLimits& limits) {
    char head[16] = {};
    ssize_t got = ::pread(fd, head, sizeof head, 0);
    auto format = sniff_format(std::string_view(head, got > 0 ? static_cast<std::size_t>(got) : 0));
    if (!format) return fail(kNotAnImage);
    if (!vips_ready()) return fail("image processing is unavailable");
    ShutdownSignalsBlocked blocked;

    // The header only: no pixel is decoded until the image is written.
    VipsPtr<VipsImage> probe = load(fd, *format, {});
    if (!probe) return failed(kUndecodable, "picture_header_failed");
    int width = vips_image_get_width(probe.get());
    int height = vips_image_get_height(probe.get());
    probe.reset();
    if (width <= 0 || height <= 0 || width > limits.max_side || height > limits.max_side ||
        static_cast<std::int64_t>(width) * height > limits.max_pixels) {
        log::info("picture_too_large", Json::object().set("width", width).set("height", height));
        return fail("the image is " + std::to_string(width) + "x" + std::to_string(height) +
                    " pixels; at most " + std::to_string(limits.max_side) + " on a side and " +
                    std::to_string(limits.max_pixels / 1'000'000) + " megapixels are accepted");
    }

    // Decode at a reduced size where the format can (JPEG, WebP).
    int longest = std::max(width, height);
    LoadOptions options;
    if (*format == Format::jpeg)
        while (options.jpeg_shrink < 8 && longest / (options.jpeg_shrink * 2) >= limits.box) options.jpeg_shrink *= 2;
    if (*format == Format::webp && longest > limits.box)
        options.webp_scale = std::min(1.0, 2.0 * limits.box / static_cast<double>(longest));
    VipsPtr<VipsImage> image = load(fd, *format, options);
    if (!image) return failed(kUndecodable, "picture_load_failed");

    VipsPtr<VipsImage> fitted;
    if (vips_thumbnail_image(image.get(), OutImage(fitted), limits.box, "height", limits.box, "size",
                             VIPS_SIZE_DOWN, nullptr) != 0)
        return failed(kUndecodable, "picture_resize_failed");
    VipsPtr<VipsImage> srgb;
    if (vips_colourspace(fitted.get(), OutImage(srgb), VIPS_INTERPRETATION_sRGB, nullptr) != 0)
        return failed(kUndecodable, "picture_colour_failed");
    if (vips_image_get_format(srgb.get()) != VIPS_FORMAT_UCHAR) {
        VipsPtr<VipsImage> cast;
        if (vips_cast_uchar(srgb.get(), OutImage(cast), nullptr) != 0) return failed(kUndecodable, "picture_cast_failed");
        srgb = std::move(cast);
    }

    void* raw = nullptr;
    std::size_t length = 0;
    // Decoding happens here; "strip" drops EXIF (GPS included), XMP, IPTC and ICC.
    int rc = vips_webpsave_buffer(srgb.get(), &raw, &length, "Q", limits.quality, "strip", TRUE, "effort", 4,
                                  nullptr);
    GBuffer buffer(raw);
    if (rc != 0 || buffer == nullptr) return failed(kUndecodable, "picture_encode_failed");
    auto stripped = strip_webp_metadata(std::string_view(static_cast<const char*>(buffer.get()), length));
    if (!stripped) {
        log::error("picture_encode_failed", Json::object().set("error", stripped.error()));
        return fail(kUndecodable);
    }
    Picture out;
    out.bytes = std::move(*stripped);
    out.width = vips_image_get_width(srgb.get());
    out.height = vips_image_get_height(srgb.get());
    return out;
}

}  // namespace stoa::image
