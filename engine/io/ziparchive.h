#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

typedef struct zip zip_t;

namespace ml {

// A zip archive in memory, read and written with libzip. Reading validates the directory, checks
// each record's declared size before allocating it and its CRC-32 after reading it.
class ZipArchive {
public:
    struct Entry {
        uint64_t index = 0;
        std::string name;
        uint64_t size = 0;           // uncompressed
        uint64_t compressedSize = 0;
        bool stored = true;          // not compressed
        uint32_t crc = 0;
    };

    ZipArchive() = default;
    ZipArchive(const ZipArchive&) = delete;
    ZipArchive& operator=(const ZipArchive&) = delete;
    ~ZipArchive();

    // Opens the archive held in `bytes`, which must outlive this object.
    std::optional<std::string> open(std::string_view bytes);
    const std::vector<Entry>& entries() const { return m_entries; }
    // Reads one record whole; refuses one that declares more than maxSize bytes.
    std::optional<std::string> read(const Entry& entry, std::string& out, size_t maxSize) const;

    // Builds an archive of uncompressed records, in the given order.
    static std::optional<std::string> create(const std::vector<std::pair<std::string, std::string_view>>& records,
                                             std::string& out);

private:
    zip_t* m_zip = nullptr;
    std::vector<Entry> m_entries;
};

} // namespace ml
