#include "engine/imagedecoder.h"

#include <png.h>
#include <jpeglib.h>
#include <jerror.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <utility>

namespace ml {

namespace {

constexpr int kMaxSide = 16384;

std::string tooLarge(int64_t w, int64_t h)
{
    return "image of " + std::to_string(w) + " x " + std::to_string(h) + " pixels: a side longer than "
           + std::to_string(kMaxSide) + " pixels is not supported by ModuleLab yet";
}

// The size a PNG's header states (signature, then the IHDR chunk: width and height, big-endian),
// for naming a picture libpng refuses by its size; 0 x 0 when the header is not there.
std::pair<uint32_t, uint32_t> pngHeaderSize(std::string_view bytes)
{
    if (bytes.size() < 24 || bytes.substr(12, 4) != "IHDR")
        return {0, 0};
    const auto be32 = [&](size_t at) {
        uint32_t v = 0;
        for (size_t k = 0; k < 4; ++k)
            v = (v << 8) | static_cast<unsigned char>(bytes[at + k]);
        return v;
    };
    return {be32(16), be32(20)};
}

// ---- PNG ------------------------------------------------------------------------------------
// libpng reports errors by longjmp: everything that owns memory lives in PngState, outside the
// function that calls setjmp, and that function creates no objects with destructors.

struct PngState {
    std::string_view bytes;
    size_t pos = 0;
    std::string error;
    png_uint_32 width = 0, height = 0;
    int depth = 0, colour = 0;
    std::vector<uint8_t> raw; // rows as libpng gives them (sub-byte depths unpacked to bytes)
    std::vector<png_bytep> rows;
    std::vector<uint8_t> palette; // RGB triples
};

void pngRead(png_structp png, png_bytep out, size_t n)
{
    auto* st = static_cast<PngState*>(png_get_io_ptr(png));
    if (n > st->bytes.size() - st->pos)
        png_error(png, "the file ends early: it is truncated");
    std::memcpy(out, st->bytes.data() + st->pos, n);
    st->pos += n;
}

void pngError(png_structp png, png_const_charp message)
{
    auto* st = static_cast<PngState*>(png_get_error_ptr(png));
    st->error = message;
    png_longjmp(png, 1); // before libpng's default handler would print the message
}

void pngWarning(png_structp, png_const_charp) {}

bool pngDecodeRaw(png_structp png, png_infop info, PngState& st)
{
    if (setjmp(png_jmpbuf(png)))
        return false;
    png_set_read_fn(png, &st, pngRead);
    png_set_user_limits(png, kMaxSide, kMaxSide);
    png_read_info(png, info);
    st.width = png_get_image_width(png, info);
    st.height = png_get_image_height(png, info);
    st.depth = png_get_bit_depth(png, info);
    st.colour = png_get_color_type(png, info);
    if (st.depth < 8)
        png_set_packing(png); // one byte per sample, values as stored
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (st.colour == PNG_COLOR_TYPE_PALETTE) {
        png_colorp plte = nullptr;
        int n = 0;
        if (png_get_PLTE(png, info, &plte, &n) == PNG_INFO_PLTE)
            for (int k = 0; k < n; ++k)
                st.palette.insert(st.palette.end(), {plte[k].red, plte[k].green, plte[k].blue});
    }
    const size_t rowBytes = png_get_rowbytes(png, info);
    st.raw.resize(rowBytes * st.height);
    st.rows.resize(st.height);
    for (png_uint_32 y = 0; y < st.height; ++y)
        st.rows[y] = st.raw.data() + rowBytes * y;
    png_read_image(png, st.rows.data());
    png_read_end(png, nullptr);
    return true;
}

std::variant<Image8, std::string> decodePng(std::string_view bytes)
{
    PngState st;
    st.bytes = bytes;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, pngError, pngWarning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!info) {
        png_destroy_read_struct(&png, nullptr, nullptr);
        return std::string("out of memory");
    }
    const bool ok = pngDecodeRaw(png, info, st);
    png_destroy_read_struct(&png, &info, nullptr);
    if (!ok) {
        if (const auto [w, h] = pngHeaderSize(bytes); w > static_cast<uint32_t>(kMaxSide) || h > static_cast<uint32_t>(kMaxSide))
            return tooLarge(w, h);
        return "cannot decode the PNG image (" + st.error + ")";
    }

    const bool grey = st.colour == PNG_COLOR_TYPE_GRAY || st.colour == PNG_COLOR_TYPE_GRAY_ALPHA;
    Image8 img{static_cast<int>(st.width), static_cast<int>(st.height), grey ? 1 : 3, {}};
    img.pixels.resize(static_cast<size_t>(st.width) * st.height * static_cast<size_t>(img.channels));
    const int samples = st.colour == PNG_COLOR_TYPE_GRAY ? 1 : st.colour == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                        : st.colour == PNG_COLOR_TYPE_RGB ? 3 : st.colour == PNG_COLOR_TYPE_RGB_ALPHA ? 4 : 1;
    const int sampleBytes = st.depth == 16 ? 2 : 1;
    // PIL unpacks 1-, 2- and 4-bit grey to 0..255 by these factors ("1", "L;2", "L;4").
    const int scale = st.depth == 1 ? 255 : st.depth == 2 ? 85 : st.depth == 4 ? 17 : 1;
    uint8_t* out = img.pixels.data();
    for (png_uint_32 y = 0; y < st.height; ++y) {
        const uint8_t* row = st.rows[y];
        for (png_uint_32 x = 0; x < st.width; ++x) {
            const uint8_t* px = row + static_cast<size_t>(x) * samples * sampleBytes;
            if (st.colour == PNG_COLOR_TYPE_PALETTE) {
                const size_t i = px[0];
                for (int c = 0; c < 3; ++c) // indices past the palette are black, as in PIL
                    *out++ = 3 * i + 2 < st.palette.size() ? st.palette[3 * i + static_cast<size_t>(c)] : 0;
            } else if (st.colour == PNG_COLOR_TYPE_GRAY && st.depth == 16) {
                const int v = px[0] << 8 | px[1]; // PIL's mode "I": convert("L") clips at 255
                *out++ = static_cast<uint8_t>(std::min(v, 255));
            } else if (grey) {
                *out++ = static_cast<uint8_t>(px[0] * scale); // 16-bit grey+alpha: the high byte ("LA;16B")
            } else {
                for (int c = 0; c < 3; ++c) // 16-bit colour: the high byte ("RGB;16B")
                    *out++ = px[c * sampleBytes];
            }
        }
    }
    return img;
}

// ---- JPEG -----------------------------------------------------------------------------------
// libjpeg-turbo with its defaults, as PIL uses it: the accurate integer IDCT (JDCT_ISLOW) and
// fancy upsampling, YCbCr converted to RGB by the library.

struct JpegError {
    jpeg_error_mgr mgr;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX] = {};
};

void jpegErrorExit(j_common_ptr cinfo)
{
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

// Warnings are ignored as PIL ignores them, except running out of data: PIL refuses a truncated
// JPEG ("image file is truncated") where libjpeg would pad it with grey.
void jpegWarning(j_common_ptr cinfo, int level)
{
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        auto* err = reinterpret_cast<JpegError*>(cinfo->err);
        std::snprintf(err->message, sizeof err->message, "the file is truncated");
        std::longjmp(err->jump, 1);
    }
}

struct JpegState {
    std::vector<uint8_t> pixels;
    int width = 0, height = 0, channels = 0;
    std::string problem; // a limit of ours, not a decoding error
};

bool jpegDecodeRaw(jpeg_decompress_struct& cinfo, JpegError& err, std::string_view bytes, JpegState& st)
{
    if (setjmp(err.jump))
        return false;
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.image_width > static_cast<JDIMENSION>(kMaxSide) || cinfo.image_height > static_cast<JDIMENSION>(kMaxSide)) {
        st.problem = tooLarge(cinfo.image_width, cinfo.image_height);
        return true;
    }
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        st.problem = "not supported by ModuleLab yet: CMYK JPEG images";
        return true;
    }
    cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    cinfo.mem->max_memory_to_use = size_t(1) << 30;
    jpeg_start_decompress(&cinfo);
    st.width = static_cast<int>(cinfo.output_width);
    st.height = static_cast<int>(cinfo.output_height);
    st.channels = cinfo.output_components;
    st.pixels.resize(static_cast<size_t>(st.width) * st.height * st.channels);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = st.pixels.data() + static_cast<size_t>(cinfo.output_scanline) * st.width * st.channels;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    return true;
}

std::variant<Image8, std::string> decodeJpeg(std::string_view bytes)
{
    jpeg_decompress_struct cinfo{};
    JpegError err;
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = jpegErrorExit;
    err.mgr.emit_message = jpegWarning;
    JpegState st;
    const bool ok = jpegDecodeRaw(cinfo, err, bytes, st);
    jpeg_destroy_decompress(&cinfo);
    if (!ok)
        return "cannot decode the JPEG image (" + std::string(err.message) + ")";
    if (!st.problem.empty())
        return st.problem;
    if (st.channels != 1 && st.channels != 3)
        return "not supported by ModuleLab yet: JPEG images with " + std::to_string(st.channels) + " channels";
    return Image8{st.width, st.height, st.channels, std::move(st.pixels)};
}

// ---- BMP ------------------------------------------------------------------------------------
// Uncompressed Windows bitmaps as PIL reads them: 1/4/8-bit palette (a grey palette gives L),
// 24-bit BGR, 32-bit BGRX (BI_RGB) or BGRA masks (BI_BITFIELDS); bottom-up or top-down rows.

uint32_t le32(std::string_view b, size_t at) { return static_cast<uint32_t>(static_cast<unsigned char>(b[at]) | static_cast<unsigned char>(b[at + 1]) << 8
                                                                            | static_cast<unsigned char>(b[at + 2]) << 16 | static_cast<unsigned char>(b[at + 3]) << 24); }
uint16_t le16(std::string_view b, size_t at) { return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) | static_cast<unsigned char>(b[at + 1]) << 8); }

std::variant<Image8, std::string> decodeBmp(std::string_view b)
{
    if (b.size() < 26)
        return std::string("the BMP file is truncated (no header)");
    const uint32_t dataOffset = le32(b, 10);
    const uint32_t headerSize = le32(b, 14);
    int64_t width = 0, height = 0;
    int bits = 0;
    uint32_t compression = 0, colours = 0;
    size_t paletteEntry = 4;
    if (headerSize == 12) { // OS/2 core header
        width = le16(b, 18);
        height = static_cast<int16_t>(le16(b, 20));
        bits = le16(b, 24);
        paletteEntry = 3;
    } else if (headerSize >= 40 && b.size() >= 14 + 40) {
        width = static_cast<int32_t>(le32(b, 18));
        height = static_cast<int32_t>(le32(b, 22));
        bits = le16(b, 28);
        compression = le32(b, 30);
        colours = le32(b, 46);
    } else {
        return "not supported by ModuleLab yet: BMP header of " + std::to_string(headerSize) + " bytes";
    }
    const bool topDown = height < 0;
    height = topDown ? -height : height;
    if (width <= 0 || height <= 0)
        return "BMP image of " + std::to_string(width) + " x " + std::to_string(height) + " pixels";
    if (width > kMaxSide || height > kMaxSide)
        return tooLarge(width, height);
    if (compression == 1 || compression == 2)
        return std::string("not supported by ModuleLab yet: run-length encoded (RLE) BMP images");
    if (compression != 0 && !(compression == 3 && bits == 32))
        return "not supported by ModuleLab yet: BMP compression " + std::to_string(compression);
    if (bits != 1 && bits != 4 && bits != 8 && bits != 24 && bits != 32)
        return "not supported by ModuleLab yet: " + std::to_string(bits) + "-bit BMP images";
    if (compression == 3) {
        if (b.size() < 14 + 52 || le32(b, 54) != 0x00FF0000 || le32(b, 58) != 0x0000FF00 || le32(b, 62) != 0x000000FF)
            return std::string("not supported by ModuleLab yet: 32-bit BMP images with other than BGRA masks");
    }
    std::vector<uint8_t> palette; // RGB triples
    bool greyPalette = true;
    if (bits <= 8) {
        const size_t count = colours ? colours : size_t(1) << bits;
        const size_t start = 14 + headerSize;
        if (count > 256 || start + count * paletteEntry > b.size())
            return std::string("the BMP palette runs past the end of the file");
        for (size_t k = 0; k < count; ++k) {
            const size_t at = start + k * paletteEntry;
            const uint8_t bl = static_cast<uint8_t>(b[at]), g = static_cast<uint8_t>(b[at + 1]), r = static_cast<uint8_t>(b[at + 2]);
            palette.insert(palette.end(), {r, g, bl});
            greyPalette = greyPalette && r == g && g == bl;
        }
    }
    const uint64_t stride = ((static_cast<uint64_t>(width) * bits + 31) / 32) * 4;
    if (dataOffset > b.size() || stride * static_cast<uint64_t>(height) > b.size() - dataOffset)
        return "the BMP pixel data (" + std::to_string(stride * static_cast<uint64_t>(height)) + " bytes) runs past the end of the file";
    const int channels = bits <= 8 && greyPalette ? 1 : 3;
    Image8 img{static_cast<int>(width), static_cast<int>(height), channels, {}};
    img.pixels.resize(static_cast<size_t>(width) * static_cast<size_t>(height) * static_cast<size_t>(channels));
    for (int64_t y = 0; y < height; ++y) {
        const unsigned char* row = reinterpret_cast<const unsigned char*>(b.data()) + dataOffset + stride * static_cast<uint64_t>(topDown ? y : height - 1 - y);
        uint8_t* out = img.pixels.data() + static_cast<size_t>(y * width * channels);
        for (int64_t x = 0; x < width; ++x) {
            if (bits <= 8) {
                const int perByte = 8 / bits;
                const int shift = 8 - bits * (1 + static_cast<int>(x % perByte));
                const size_t i = (row[x / perByte] >> shift) & ((1 << bits) - 1);
                for (int c = 0; c < channels; ++c)
                    *out++ = 3 * i + 2 < palette.size() ? palette[3 * i + static_cast<size_t>(c)] : 0;
            } else {
                const unsigned char* px = row + x * (bits / 8);
                *out++ = px[2];
                *out++ = px[1];
                *out++ = px[0];
            }
        }
    }
    return img;
}

} // namespace

std::variant<Image8, std::string> decodeImage(std::string_view bytes, const std::string& name)
{
    std::variant<Image8, std::string> r;
    if (bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8))
        r = decodePng(bytes);
    else if (bytes.substr(0, 3) == std::string_view("\xFF\xD8\xFF", 3))
        r = decodeJpeg(bytes);
    else if (bytes.substr(0, 2) == "BM")
        r = decodeBmp(bytes);
    else
        return name + ": not a PNG, JPEG or BMP image";
    if (auto* err = std::get_if<std::string>(&r))
        return name + ": " + *err;
    return r;
}

} // namespace ml
