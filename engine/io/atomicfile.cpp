#include "engine/io/atomicfile.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include <filesystem>
#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace ml {

namespace {

std::string errnoText() { return std::strerror(errno); }

std::string tempName(const std::string& path)
{
    static std::atomic<unsigned> counter{0};
    std::random_device rd;
    return path + ".tmp-" + std::to_string(rd()) + "-" + std::to_string(counter++);
}

} // namespace

#ifdef _WIN32

std::optional<std::string> writeFileAtomically(const std::string& path, std::string_view bytes)
{
    const std::string tmp = tempName(path);
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            return "cannot create " + tmp;
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) {
            out.close();
            std::remove(tmp.c_str());
            return "cannot write " + path;
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return "cannot replace " + path + ": " + ec.message();
    }
    return std::nullopt;
}

#else

// The file a symbolic link leads to (through chains of links, as editors save through them):
// the link stays a link and its target gets the new content. Other paths are unchanged.
std::string writeTarget(const std::string& path)
{
    std::string current = path;
    for (int hops = 0; hops < 40; ++hops) {
        struct stat st {};
        if (::lstat(current.c_str(), &st) != 0 || !S_ISLNK(st.st_mode))
            return current;
        std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
        const ssize_t n = ::readlink(current.c_str(), target.data(), target.size());
        if (n <= 0)
            return current;
        target.resize(static_cast<size_t>(n));
        const size_t slash = current.find_last_of('/');
        current = target.front() == '/' || slash == std::string::npos ? target : current.substr(0, slash + 1) + target;
    }
    return current;
}

std::optional<std::string> writeFileAtomically(const std::string& givenPath, std::string_view bytes)
{
    const std::string& path = givenPath; // named in messages
    const std::string target = writeTarget(givenPath);
    const std::string tmp = tempName(target);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return "cannot save " + path + ": " + errnoText();
    auto abandon = [&](const std::string& what) -> std::optional<std::string> {
        const std::string reason = errnoText();
        ::close(fd);
        ::unlink(tmp.c_str());
        return "cannot save " + path + ": " + what + ": " + reason;
    };
    struct stat existing {};
    if (::stat(target.c_str(), &existing) == 0 && ::fchmod(fd, existing.st_mode & 07777) != 0)
        return abandon("cannot copy permissions");
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return abandon("write failed");
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0)
        return abandon("fsync failed");
    if (::close(fd) != 0) {
        const std::string reason = errnoText();
        ::unlink(tmp.c_str());
        return "cannot save " + path + ": " + reason;
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        const std::string reason = errnoText();
        ::unlink(tmp.c_str());
        return "cannot save " + path + ": " + reason;
    }
    // Make the rename itself durable.
    const size_t slash = target.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : target.substr(0, slash));
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return std::nullopt;
}

#endif

std::optional<std::string> readWholeFile(const std::string& path, std::string& error, size_t maxBytes)
{
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
        error = "cannot open " + path + ": no such file";
        return std::nullopt;
    }
    if (!std::filesystem::is_regular_file(status)) {
        error = "cannot open " + path + ": not a regular file";
        return std::nullopt;
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > maxBytes) {
        error = path + " is too large (" + std::to_string(size) + " bytes; the limit is " + std::to_string(maxBytes) + ")";
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot open " + path + ": " + errnoText();
        return std::nullopt;
    }
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        error = "cannot read " + path;
        return std::nullopt;
    }
    return data;
}

std::variant<std::string, ParseError> readWholeFileLocated(const std::string& path, size_t maxBytes)
{
    std::string error;
    std::optional<std::string> bytes = readWholeFile(path, error, maxBytes);
    if (bytes)
        return std::move(*bytes);
    // "cannot open nonexist.py: no such file" becomes "nonexist.py:1:1: cannot open the file: no such file".
    if (const size_t at = error.find(path); at != std::string::npos)
        error.replace(at, path.size(), "the file");
    return ParseError{path, {1, 1}, error};
}

std::optional<ParseError> cannotOpen(const std::string& path)
{
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        return ParseError{path, {1, 1}, "cannot open the file: no such file"};
    if (!std::filesystem::is_regular_file(status))
        return ParseError{path, {1, 1}, "cannot open the file: not a regular file"};
    if (std::ifstream probe(path, std::ios::binary); !probe)
        return ParseError{path, {1, 1}, "cannot open the file: " + errnoText()};
    return std::nullopt;
}

} // namespace ml
