// Owners for libvips / GLib handles: every VipsImage and VipsSource lives in
// a VipsPtr (g_object_unref in one deleter), every buffer libvips allocates
// in a GBuffer (g_free). Neither free function is called anywhere else.
#pragma once

#include <vips/vips.h>

#include <memory>

namespace stoa::image {

struct GObjectUnref {
    void operator()(void* object) const noexcept { g_object_unref(object); }
};
template <typename T>
using VipsPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
    void operator()(void* p) const noexcept { g_free(p); }
};
using GBuffer = std::unique_ptr<void, GFree>;

// Out-parameter adapter: `vips_x(in, out_image(ptr), ...)` stores the new
// image in `ptr` when the call returns, whether it succeeded or not.
class OutImage {
public:
    explicit OutImage(VipsPtr<VipsImage>& owner) : owner_(owner) {}
    ~OutImage() { owner_.reset(raw_); }
    OutImage(const OutImage&) = delete;
    OutImage& operator=(const OutImage&) = delete;
    operator VipsImage**() noexcept { return &raw_; }  // NOLINT(google-explicit-constructor)

private:
    VipsPtr<VipsImage>& owner_;
    VipsImage* raw_ = nullptr;
};

}  // namespace stoa::image
