#include "engine/io/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>

namespace ml {

namespace {

constexpr uint8_t kTypeUByte = 0x08;
// Deflate cannot compress better than about 1032:1; a gzip file of S bytes therefore holds at
// most this many bytes per byte (plus a little slack for tiny files).
constexpr uint64_t kDeflateMaxRatio = 1032;

std::string typeName(uint8_t type)
{
    switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return "unknown";
    }
}

std::string hex2(unsigned v)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
    return buf;
}

struct GzClose {
    void operator()(gzFile f) const { gzclose(f); }
};
using GzPtr = std::unique_ptr<std::remove_pointer_t<gzFile>, GzClose>;

struct RawIdx {
    std::vector<uint32_t> dims;
    std::vector<uint8_t> data;
};

// Reads up to n bytes; returns the count read, or -1 with `error` set on a zlib error.
int64_t readBytes(gzFile f, uint8_t* dst, uint64_t n, std::string& error)
{
    uint64_t done = 0;
    while (done < n) {
        const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(n - done, 1u << 24));
        const int got = gzread(f, dst + done, chunk);
        if (got < 0) {
            int code = 0;
            const char* msg = gzerror(f, &code);
            error = msg && *msg ? msg : "read error";
            // zlib prefixes the file name, which the caller's message already starts with.
            if (const size_t colon = error.rfind(": "); colon != std::string::npos)
                error = error.substr(colon + 2);
            return -1;
        }
        if (got == 0)
            break;
        done += static_cast<uint64_t>(got);
    }
    return static_cast<int64_t>(done);
}

// Reads an IDX file of unsigned bytes with `ndims` dimensions. `checkDims` validates the sizes
// (returns a message, or nullopt when they are acceptable) before the data is allocated.
std::variant<RawIdx, std::string> readIdx(const std::string& path, int ndims, const char* what,
                                          const std::function<std::optional<std::string>(const std::vector<uint32_t>&)>& checkDims)
{
    const std::string prefix = path + ": ";
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        return prefix + "cannot open: no such file";
    if (!std::filesystem::is_regular_file(status))
        return prefix + "cannot open: not a regular file";
    const uint64_t fileSize = std::filesystem::file_size(path, ec);
    if (ec)
        return prefix + "cannot read: " + ec.message();
    if (fileSize == 0)
        return prefix + "empty file";

    GzPtr f(gzopen(path.c_str(), "rb"));
    if (!f)
        return prefix + "cannot open: " + std::strerror(errno);
    gzbuffer(f.get(), 1u << 17);

    std::string zerror;
    uint8_t magic[4] = {};
    const int64_t gotMagic = readBytes(f.get(), magic, 4, zerror);
    if (gotMagic < 0)
        return prefix + "corrupt gzip data: " + zerror;
    const bool compressed = gzdirect(f.get()) == 0;
    if (gotMagic < 4)
        return prefix + "too short for an IDX header (" + std::to_string(gotMagic) + " bytes)";
    if (magic[0] != 0 || magic[1] != 0)
        return prefix + "not an IDX file: it starts with " + hex2(magic[0]) + " " + hex2(magic[1]) +
               ", IDX files start with 0x00 0x00";
    if (magic[2] != kTypeUByte)
        return prefix + "IDX data type " + hex2(magic[2]) + " (" + typeName(magic[2]) +
               ") is not supported: ModuleLab reads unsigned-byte (0x08) IDX files";
    if (magic[3] != ndims)
        return prefix + "expected " + std::to_string(ndims) + " dimension" + (ndims == 1 ? "" : "s") + " (" + what +
               "), the header has " + std::to_string(magic[3]) +
               (magic[3] == 1 ? " (a labels file?)" : magic[3] == 3 ? " (an images file?)" : "");

    std::vector<uint8_t> dimBytes(static_cast<size_t>(ndims) * 4);
    const int64_t gotDims = readBytes(f.get(), dimBytes.data(), dimBytes.size(), zerror);
    if (gotDims < 0)
        return prefix + "corrupt gzip data: " + zerror;
    if (gotDims < static_cast<int64_t>(dimBytes.size()))
        return prefix + "the header ends inside its dimension sizes (truncated file)";
    RawIdx raw;
    uint64_t dataBytes = 1;
    for (int d = 0; d < ndims; ++d) {
        const uint8_t* b = dimBytes.data() + 4 * d;
        const uint32_t size = (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | uint32_t(b[3]);
        raw.dims.push_back(size);
    }
    if (auto problem = checkDims(raw.dims))
        return prefix + *problem;
    std::string sizes;
    for (int d = 0; d < ndims; ++d) {
        // checkDims bounds the product by kIdxMaxBytes, so this cannot overflow.
        dataBytes *= raw.dims[static_cast<size_t>(d)];
        sizes += (d ? " x " : "") + std::to_string(raw.dims[static_cast<size_t>(d)]);
    }
    if (dataBytes > kIdxMaxBytes)
        return prefix + "the header promises " + sizes + " = " + std::to_string(dataBytes) +
               " bytes of data, more than the " + std::to_string(kIdxMaxBytes >> 20) + " MiB ModuleLab reads";
    const uint64_t headerBytes = 4 + 4 * static_cast<uint64_t>(ndims);
    const std::string promise = "the header promises " + sizes + " = " + std::to_string(dataBytes) + " bytes of data";
    if (!compressed && fileSize != headerBytes + dataBytes) {
        if (fileSize < headerBytes + dataBytes)
            return prefix + promise + " but the file holds " + std::to_string(fileSize - headerBytes) + " (truncated file)";
        return prefix + promise + " but the file holds " + std::to_string(fileSize - headerBytes) + " (" +
               std::to_string(fileSize - headerBytes - dataBytes) + " bytes too many)";
    }
    if (compressed && headerBytes + dataBytes > fileSize * kDeflateMaxRatio + 4096)
        return prefix + promise + ", more than a gzip file of " + std::to_string(fileSize) + " bytes can hold";

    raw.data.resize(static_cast<size_t>(dataBytes));
    const int64_t got = readBytes(f.get(), raw.data.data(), dataBytes, zerror);
    if (got < 0)
        return prefix + "corrupt gzip data: " + zerror;
    if (static_cast<uint64_t>(got) < dataBytes)
        return prefix + promise + " but the data ends after " + std::to_string(got) + " (truncated file)";
    uint8_t extra[1];
    const int64_t more = readBytes(f.get(), extra, 1, zerror);
    if (more < 0)
        return prefix + "corrupt gzip data: " + zerror;
    if (more > 0)
        return prefix + promise + " but more data follows (a corrupt header?)";
    return raw;
}

} // namespace

// ---- IdxImages ---------------------------------------------------------------------------------

IdxImages::IdxImages(int64_t count, int rows, int cols, std::vector<uint8_t> pixels)
    : m_count(count), m_rows(rows), m_cols(cols), m_pixels(std::move(pixels))
{
}

std::span<const uint8_t> IdxImages::image(int64_t i) const
{
    if (i < 0 || i >= m_count)
        return {};
    const size_t n = static_cast<size_t>(m_rows) * static_cast<size_t>(m_cols);
    return {m_pixels.data() + static_cast<size_t>(i) * n, n};
}

// ---- reading -----------------------------------------------------------------------------------

std::variant<IdxImages, std::string> readIdxImages(const std::string& path)
{
    auto raw = readIdx(path, 3, "N x rows x columns images", [](const std::vector<uint32_t>& dims) -> std::optional<std::string> {
        for (int d : {1, 2})
            if (dims[static_cast<size_t>(d)] == 0 || dims[static_cast<size_t>(d)] > kIdxMaxSide)
                return "image size " + std::to_string(dims[1]) + " x " + std::to_string(dims[2]) +
                       ": rows and columns must be between 1 and " + std::to_string(kIdxMaxSide);
        const uint64_t bytes = uint64_t(dims[0]) * dims[1] * dims[2]; // <= 2^32 * 2^24
        if (bytes > kIdxMaxBytes)
            return "the header promises " + std::to_string(dims[0]) + " images of " + std::to_string(dims[1]) + " x " +
                   std::to_string(dims[2]) + " = " + std::to_string(bytes) + " bytes, more than the " +
                   std::to_string(kIdxMaxBytes >> 20) + " MiB ModuleLab reads";
        return std::nullopt;
    });
    if (auto* error = std::get_if<std::string>(&raw))
        return std::move(*error);
    RawIdx& r = std::get<RawIdx>(raw);
    return IdxImages(r.dims[0], static_cast<int>(r.dims[1]), static_cast<int>(r.dims[2]), std::move(r.data));
}

std::variant<std::vector<uint8_t>, std::string> readIdxLabels(const std::string& path)
{
    auto raw = readIdx(path, 1, "N labels", [](const std::vector<uint32_t>& dims) -> std::optional<std::string> {
        if (dims[0] > kIdxMaxBytes)
            return "the header promises " + std::to_string(dims[0]) + " labels, more than the " +
                   std::to_string(kIdxMaxBytes >> 20) + " MiB ModuleLab reads";
        return std::nullopt;
    });
    if (auto* error = std::get_if<std::string>(&raw))
        return std::move(*error);
    return std::move(std::get<RawIdx>(raw).data);
}

std::variant<IdxDataset, std::string> readIdxDataset(const std::string& imagesPath, const std::string& labelsPath)
{
    auto images = readIdxImages(imagesPath);
    if (auto* error = std::get_if<std::string>(&images))
        return std::move(*error);
    auto labels = readIdxLabels(labelsPath);
    if (auto* error = std::get_if<std::string>(&labels))
        return std::move(*error);
    IdxDataset ds{std::move(std::get<IdxImages>(images)), std::move(std::get<std::vector<uint8_t>>(labels))};
    if (static_cast<int64_t>(ds.labels.size()) != ds.images.count())
        return imagesPath + " has " + std::to_string(ds.images.count()) + " images but " + labelsPath + " has " +
               std::to_string(ds.labels.size()) + " labels";
    return ds;
}

// ---- conversions -------------------------------------------------------------------------------

Image8 idxImage(const IdxImages& images, int64_t i)
{
    const std::span<const uint8_t> px = images.image(i);
    if (px.empty())
        return {};
    Image8 out;
    out.width = images.cols();
    out.height = images.rows();
    out.channels = 1;
    out.pixels.assign(px.begin(), px.end());
    return out;
}

Tensor idxImagesTensor(const IdxImages& images, std::span<const int64_t> indices)
{
    for (int64_t i : indices)
        if (i < 0 || i >= images.count())
            return {};
    const int64_t n = static_cast<int64_t>(images.rows()) * images.cols();
    Tensor t(Shape{static_cast<int64_t>(indices.size()), 1, images.rows(), images.cols()});
    float* dst = t.data();
    for (int64_t i : indices) {
        const std::span<const uint8_t> px = images.image(i);
        for (int64_t k = 0; k < n; ++k)
            dst[k] = static_cast<float>(px[static_cast<size_t>(k)]) / 255.0f; // as ToTensor: div(255)
        dst += n;
    }
    return t;
}

Tensor idxImageTensor(const IdxImages& images, int64_t i)
{
    const int64_t index[1] = {i};
    return idxImagesTensor(images, index);
}

// ---- Fashion-MNIST -----------------------------------------------------------------------------

IdxPaths fashionMnistTestFiles(std::string_view dir)
{
    auto find = [&](const char* stem) -> std::string {
        for (const char* suffix : {"", ".gz"}) {
            const std::filesystem::path p = std::filesystem::path(dir) / (std::string(stem) + suffix);
            std::error_code ec;
            if (std::filesystem::is_regular_file(p, ec))
                return p.string();
        }
        return {};
    };
    IdxPaths paths{find("t10k-images-idx3-ubyte"), find("t10k-labels-idx1-ubyte")};
    if (paths.images.empty() || paths.labels.empty())
        return {};
    return paths;
}

const std::vector<std::string>& fashionMnistClassNames()
{
    static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                   "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

} // namespace ml
