#include "engine/imageinput.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/imagedecoder.h"
#include "engine/io/atomicfile.h"

namespace ml {

namespace {

constexpr int kMaxSide = 16384; // as decodeImage's limit

// PIL's RGB -> L: ITU-R 601-2 luma in 16-bit fixed point.
uint8_t luma(uint8_t r, uint8_t g, uint8_t b)
{
    return static_cast<uint8_t>((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
}

// PIL's ImagingResample coefficients for the bilinear (triangle) filter.
struct Coeffs {
    int taps = 0;
    std::vector<int> bounds; // xmin, count per output pixel
    std::vector<int> k;      // fixed point, `taps` per output pixel
};

constexpr int kPrecisionBits = 32 - 8 - 2;

Coeffs precompute(int inSize, int outSize)
{
    const double scale = static_cast<double>(inSize) / outSize;
    const double filterscale = std::max(scale, 1.0);
    const double support = 1.0 * filterscale;
    Coeffs c;
    c.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
    c.bounds.resize(static_cast<size_t>(outSize) * 2);
    c.k.assign(static_cast<size_t>(outSize) * static_cast<size_t>(c.taps), 0);
    std::vector<double> w(static_cast<size_t>(c.taps));
    for (int xx = 0; xx < outSize; ++xx) {
        const double center = (xx + 0.5) * scale;
        const double ss = 1.0 / filterscale;
        int xmin = static_cast<int>(center - support + 0.5);
        if (xmin < 0)
            xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > inSize)
            xmax = inSize;
        xmax -= xmin;
        double ww = 0.0;
        for (int x = 0; x < xmax; ++x) {
            const double t = std::fabs((x + xmin - center + 0.5) * ss);
            const double v = t < 1.0 ? 1.0 - t : 0.0;
            w[static_cast<size_t>(x)] = v;
            ww += v;
        }
        for (int x = 0; x < xmax; ++x) {
            const double v = ww != 0.0 ? w[static_cast<size_t>(x)] / ww : 0.0;
            c.k[static_cast<size_t>(xx * c.taps + x)] = static_cast<int>(v < 0 ? v * (1 << kPrecisionBits) - 0.5 : v * (1 << kPrecisionBits) + 0.5);
        }
        c.bounds[static_cast<size_t>(xx) * 2] = xmin;
        c.bounds[static_cast<size_t>(xx) * 2 + 1] = xmax;
    }
    return c;
}

uint8_t clip8(int64_t v)
{
    v >>= kPrecisionBits;
    return static_cast<uint8_t>(std::clamp<int64_t>(v, 0, 255));
}

Image8 resampleHorizontal(const Image8& in, int outWidth)
{
    const Coeffs c = precompute(in.width, outWidth);
    Image8 out{outWidth, in.height, in.channels, std::vector<uint8_t>(static_cast<size_t>(outWidth) * in.height * in.channels)};
    for (int y = 0; y < in.height; ++y)
        for (int x = 0; x < outWidth; ++x) {
            const int xmin = c.bounds[static_cast<size_t>(x) * 2], n = c.bounds[static_cast<size_t>(x) * 2 + 1];
            for (int ch = 0; ch < in.channels; ++ch) {
                int64_t ss = 1 << (kPrecisionBits - 1);
                for (int t = 0; t < n; ++t)
                    ss += static_cast<int64_t>(in.pixels[(static_cast<size_t>(y) * in.width + xmin + t) * in.channels + ch])
                        * c.k[static_cast<size_t>(x * c.taps + t)];
                out.pixels[(static_cast<size_t>(y) * outWidth + x) * in.channels + ch] = clip8(ss);
            }
        }
    return out;
}

Image8 resampleVertical(const Image8& in, int outHeight)
{
    const Coeffs c = precompute(in.height, outHeight);
    Image8 out{in.width, outHeight, in.channels, std::vector<uint8_t>(static_cast<size_t>(in.width) * outHeight * in.channels)};
    for (int y = 0; y < outHeight; ++y) {
        const int ymin = c.bounds[static_cast<size_t>(y) * 2], n = c.bounds[static_cast<size_t>(y) * 2 + 1];
        for (int x = 0; x < in.width; ++x)
            for (int ch = 0; ch < in.channels; ++ch) {
                int64_t ss = 1 << (kPrecisionBits - 1);
                for (int t = 0; t < n; ++t)
                    ss += static_cast<int64_t>(in.pixels[(static_cast<size_t>(ymin + t) * in.width + x) * in.channels + ch])
                        * c.k[static_cast<size_t>(y * c.taps + t)];
                out.pixels[(static_cast<size_t>(y) * in.width + x) * in.channels + ch] = clip8(ss);
            }
    }
    return out;
}

} // namespace

std::variant<Image8, std::string> readImage(const std::string& path)
{
    auto bytes = readWholeFileLocated(path, size_t(512) << 20);
    if (auto* error = std::get_if<ParseError>(&bytes))
        return error->toString();
    return decodeImage(std::get<std::string>(bytes), path);
}

Image8 convertImage(const Image8& in, int channels, int width, int height)
{
    Image8 img = in;
    if (img.channels != channels) {
        Image8 c{img.width, img.height, channels, std::vector<uint8_t>(static_cast<size_t>(img.width) * img.height * channels)};
        const size_t n = static_cast<size_t>(img.width) * img.height;
        for (size_t p = 0; p < n; ++p) {
            if (channels == 1) {
                c.pixels[p] = luma(img.pixels[p * 3], img.pixels[p * 3 + 1], img.pixels[p * 3 + 2]);
            } else {
                for (int ch = 0; ch < channels; ++ch)
                    c.pixels[p * static_cast<size_t>(channels) + static_cast<size_t>(ch)] = img.pixels[p];
            }
        }
        img = std::move(c);
    }
    if (img.width != width)
        img = resampleHorizontal(img, width);
    if (img.height != height)
        img = resampleVertical(img, height);
    return img;
}

namespace {
void writePlanes(const Image8& img, float* dst)
{
    const int64_t plane = static_cast<int64_t>(img.height) * img.width;
    for (int ch = 0; ch < img.channels; ++ch)
        for (int64_t p = 0; p < plane; ++p)
            dst[ch * plane + p] = static_cast<float>(img.pixels[static_cast<size_t>(p * img.channels + ch)]) / 255.0f;
}
} // namespace

Tensor imageToTensor(const Image8& image)
{
    Tensor t(Shape{1, image.channels, image.height, image.width});
    writePlanes(image, t.data());
    return t;
}

std::variant<Tensor, std::string> imagesToTensor(const std::vector<std::string>& paths, int channels, int height, int width)
{
    if (channels != 1 && channels != 3)
        return "images can feed models with 1 or 3 input channels, this model expects " + std::to_string(channels);
    if (height <= 0 || width <= 0 || height > kMaxSide || width > kMaxSide)
        return "image input size " + std::to_string(height) + " x " + std::to_string(width) + " is out of range";
    Tensor t(Shape{static_cast<int64_t>(paths.size()), channels, height, width});
    const int64_t plane = static_cast<int64_t>(height) * width;
    for (size_t i = 0; i < paths.size(); ++i) {
        auto r = readImage(paths[i]);
        if (auto* err = std::get_if<std::string>(&r))
            return *err;
        writePlanes(convertImage(std::get<Image8>(r), channels, width, height), t.data() + static_cast<int64_t>(i) * channels * plane);
    }
    return t;
}

} // namespace ml
