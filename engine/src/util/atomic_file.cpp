// write_file_atomically: temporary file, fsync, rename, fsync of the folder.
#include "coil/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace coil {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int err) {
  throw FileError("cannot write " + what + path.string() + ": " + std::strerror(err), err);
}

std::string temp_name(const std::filesystem::path& path) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[48];
  std::snprintf(suffix, sizeof suffix, "%ld-%016llx", static_cast<long>(::getpid()),
                static_cast<unsigned long long>(rng()));
  return path.string() + kTempFileMarker + suffix;
}

}  // namespace

void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    throw FileError("cannot open folder " + dir.string() + ": " + std::strerror(errno), errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL)
    throw FileError("cannot sync folder " + dir.string() + ": " + std::strerror(err), err);
}

void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(const WriteSink&)>& produce,
                           const std::string& what, unsigned mode) {
  const std::string tmp = temp_name(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode));
  if (fd < 0) fail(what, path, errno);
  int err = 0;
  const WriteSink sink = [&](const void* data, size_t bytes) {
    const auto* p = static_cast<const char*>(data);
    size_t done = 0;
    while (done < bytes) {
      const ssize_t n = ::write(fd, p + done, bytes - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        err = n < 0 ? errno : EIO;
        throw FileError("", err);  // caught below, reported with the file's name
      }
      done += static_cast<size_t>(n);
    }
  };
  try {
    produce(sink);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    if (err != 0) fail(what, path, err);
    throw;
  }
  if (::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    fail(what, path, err);
  }
  sync_directory(path.parent_path());
}

void write_file_atomically(const std::filesystem::path& path, const void* data, size_t bytes,
                           const std::string& what, unsigned mode) {
  write_file_atomically(
      path, [&](const WriteSink& sink) { sink(data, bytes); }, what, mode);
}

}  // namespace coil
