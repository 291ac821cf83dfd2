#include "engine/io/ziparchive.h"

#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>

namespace ml {

namespace {

std::string zipError(zip_error_t* e)
{
    std::string s = zip_error_strerror(e);
    zip_error_fini(e);
    return "zip archive: " + s;
}

// Deflate cannot expand data by more than about 1032:1; a larger declared size is a lie.
constexpr uint64_t kMaxDeflateRatio = 1032;

// Records get a fixed time stamp (1980-01-01), so that the same tensors give the same bytes.
constexpr time_t kFixedTime = 315532800;

} // namespace

ZipArchive::~ZipArchive()
{
    if (m_zip)
        zip_discard(m_zip);
}

std::optional<std::string> ZipArchive::open(std::string_view bytes)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
    if (!src)
        return zipError(&err);
    m_zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (!m_zip) {
        zip_source_free(src);
        return zipError(&err) + " (the file is truncated or not a zip archive)";
    }
    zip_error_fini(&err);
    const zip_int64_t n = zip_get_num_entries(m_zip, 0);
    for (zip_int64_t i = 0; i < n; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(m_zip, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME)
            || !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
            return "zip archive: entry " + std::to_string(i) + " cannot be read";
        const bool stored = (st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method == ZIP_CM_STORE;
        if (stored ? st.size != st.comp_size : st.size > st.comp_size * kMaxDeflateRatio + 1024)
            return "zip archive: record " + std::string(st.name) + " declares " + std::to_string(st.size)
                   + " bytes from " + std::to_string(st.comp_size) + " stored ones: the archive is corrupt";
        if (!(st.valid & ZIP_STAT_CRC))
            return "zip archive: record " + std::string(st.name) + " has no CRC";
        m_entries.push_back({static_cast<uint64_t>(i), st.name, st.size, st.comp_size, stored, st.crc});
    }
    return std::nullopt;
}

std::optional<std::string> ZipArchive::read(const Entry& entry, std::string& out, size_t maxSize) const
{
    if (entry.size > maxSize)
        return "record " + entry.name + " declares " + std::to_string(entry.size) + " bytes, more than the "
               + std::to_string(maxSize) + " expected";
    zip_file_t* f = zip_fopen_index(m_zip, entry.index, 0);
    if (!f)
        return "record " + entry.name + ": " + zip_strerror(m_zip);
    out.resize(static_cast<size_t>(entry.size));
    zip_int64_t got = out.empty() ? 0 : zip_fread(f, out.data(), out.size());
    char probe = 0;
    // Reading past the end makes libzip compare the CRC.
    const zip_int64_t more = got == static_cast<zip_int64_t>(out.size()) ? zip_fread(f, &probe, 1) : 0;
    std::string error = got < 0 || more < 0 ? zip_file_strerror(f) : std::string();
    zip_fclose(f);
    if (!error.empty())
        return "record " + entry.name + ": " + error + " (the archive is corrupt)";
    if (got != static_cast<zip_int64_t>(out.size()) || more != 0)
        return "record " + entry.name + " does not hold the " + std::to_string(entry.size) + " bytes it declares";
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t done = 0; done < out.size();) { // zlib takes at most 4 GiB at once
        const uInt n = static_cast<uInt>(std::min<size_t>(out.size() - done, size_t(1) << 30));
        crc = crc32(crc, reinterpret_cast<const Bytef*>(out.data() + done), n);
        done += n;
    }
    if (static_cast<uint32_t>(crc) != entry.crc)
        return "record " + entry.name + ": CRC error (the archive is corrupt)";
    return std::nullopt;
}

std::optional<std::string> ZipArchive::create(const std::vector<std::pair<std::string, std::string_view>>& records,
                                              std::string& out)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &err);
    if (!buffer)
        return zipError(&err);
    zip_t* za = zip_open_from_source(buffer, ZIP_TRUNCATE, &err);
    if (!za) {
        zip_source_free(buffer);
        return zipError(&err);
    }
    zip_source_keep(buffer);
    for (const auto& [name, data] : records) {
        zip_source_t* s = zip_source_buffer(za, data.data(), data.size(), 0);
        const zip_int64_t idx = s ? zip_file_add(za, name.c_str(), s, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            if (s)
                zip_source_free(s);
            std::string msg = std::string("zip archive: ") + zip_strerror(za);
            zip_discard(za);
            zip_source_free(buffer);
            return msg;
        }
        zip_set_file_compression(za, static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0);
        zip_file_set_mtime(za, static_cast<zip_uint64_t>(idx), kFixedTime, 0);
    }
    if (zip_close(za) != 0) {
        std::string msg = std::string("zip archive: ") + zip_strerror(za);
        zip_discard(za);
        zip_source_free(buffer);
        return msg;
    }
    std::optional<std::string> result;
    if (zip_source_open(buffer) != 0) {
        result = "zip archive: cannot read back the archive";
    } else {
        zip_source_seek(buffer, 0, SEEK_END);
        const zip_int64_t size = zip_source_tell(buffer);
        zip_source_seek(buffer, 0, SEEK_SET);
        out.resize(size > 0 ? static_cast<size_t>(size) : 0);
        if (size < 0 || (size > 0 && zip_source_read(buffer, out.data(), out.size()) != size))
            result = "zip archive: cannot read back the archive";
        zip_source_close(buffer);
    }
    zip_source_free(buffer);
    return result;
}

} // namespace ml
