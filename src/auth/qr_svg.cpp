#include "auth/qr_svg.h"

#include <qrencode.h>

#include <memory>

namespace stoa::auth {
namespace {

struct QrDeleter {
    void operator()(QRcode* code) const noexcept { QRcode_free(code); }
};
using QrCode = std::unique_ptr<QRcode, QrDeleter>;

constexpr int kQuietZone = 4;  // modules of light border on each side
constexpr int kPixelsPerModule = 6;

// Bit 0 of each module byte is set for a dark module.
bool dark(const QRcode& code, int x, int y) {
    return (code.data[static_cast<std::size_t>(y) * static_cast<std::size_t>(code.width) +
                      static_cast<std::size_t>(x)] &
            1u) != 0;
}

// Each horizontal run of dark modules as one rectangle: "M x y h n v 1 h -n z".
std::string dark_modules_path(const QRcode& code) {
    std::string d;
    for (int y = 0; y < code.width; ++y) {
        int x = 0;
        while (x < code.width) {
            if (!dark(code, x, y)) {
                ++x;
                continue;
            }
            int run = 1;
            while (x + run < code.width && dark(code, x + run, y)) ++run;
            d += 'M' + std::to_string(x + kQuietZone) + ' ' + std::to_string(y + kQuietZone) + 'h' +
                 std::to_string(run) + "v1h-" + std::to_string(run) + 'z';
            x += run;
        }
    }
    return d;
}

}  // namespace

Result<std::string> qr_svg(std::string_view text) {
    if (text.find('\0') != std::string_view::npos) return fail("qr: text contains a NUL byte");
    std::string input(text);
    QrCode code(QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (!code || code->width <= 0) return fail("qr: the text does not fit in a QR code");

    const std::string size = std::to_string(code->width + 2 * kQuietZone);
    const std::string pixels = std::to_string((code->width + 2 * kQuietZone) * kPixelsPerModule);
    std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 " + size + ' ' + size +
           "\" width=\"" + pixels + "\" height=\"" + pixels + "\" shape-rendering=\"crispEdges\">";
    svg += "<rect width=\"" + size + "\" height=\"" + size + "\" fill=\"#fff\"/>";
    svg += "<path fill=\"#000\" d=\"" + dark_modules_path(*code) + "\"/>";
    svg += "</svg>\n";
    return svg;
}

}  // namespace stoa::auth
