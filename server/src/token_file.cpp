#include "token_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "coil/error.hpp"
#include "coil/hash.hpp"

namespace coil {
namespace {

constexpr char kMagic[8] = {'C', 'O', 'I', 'L', 'T', 'O', 'K', 'S'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeader = 8 + 4 + 4 + 8 + 8;
constexpr uint64_t kMaxTokens = uint64_t(1) << 30;  // 4 GiB of ids: far beyond any prompt

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <typename T>
T get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

void write_token_file(const std::filesystem::path& path, const std::vector<int32_t>& tokens,
                      uint64_t token_hash) {
  std::string bytes(kMagic, 8);
  put<uint32_t>(bytes, kVersion);
  put<uint32_t>(bytes, 0);
  put<uint64_t>(bytes, tokens.size());
  put<uint64_t>(bytes, token_hash);
  bytes.append(reinterpret_cast<const char*>(tokens.data()), tokens.size() * sizeof(int32_t));

  auto dir = path.parent_path();
  if (dir.empty()) dir = ".";
  const std::string tmp = (dir / ("." + path.filename().string() + ".tmp")).string();
  auto fail = [&](const std::string& why) {
    ::unlink(tmp.c_str());
    throw Error("cannot write " + path.string() + ": " + why);
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "short write";
      ::close(fd);
      fail(why);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    fail(why);
  }
  if (::close(fd) != 0) fail(std::strerror(errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(std::strerror(errno));
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::vector<int32_t> read_token_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot read " + name + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) throw Error(name + " is not a regular file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  char head[kHeader];
  if (size < kHeader || ::pread(fd, head, kHeader, 0) != static_cast<ssize_t>(kHeader))
    throw Error(name + " is truncated");
  if (std::memcmp(head, kMagic, 8) != 0) throw Error(name + " is not a Coil token file");
  if (get<uint32_t>(head + 8) != kVersion)
    throw Error(name + " has format version " + std::to_string(get<uint32_t>(head + 8)) +
                ", this Coil reads version 1");
  const uint64_t count = get<uint64_t>(head + 16), hash = get<uint64_t>(head + 24);
  if (count > kMaxTokens)
    throw Error(name + " claims " + std::to_string(count) + " tokens: too many");
  if (size != kHeader + count * sizeof(int32_t))
    throw Error(name + " is " + std::to_string(size) + " bytes, its header says " +
                std::to_string(kHeader + count * sizeof(int32_t)));
  std::vector<int32_t> ids(count);
  const size_t want = count * sizeof(int32_t);
  for (size_t done = 0; done < want;) {
    const ssize_t n = ::pread(fd, reinterpret_cast<char*>(ids.data()) + done, want - done,
                              static_cast<off_t>(kHeader + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(name + " is truncated");
    done += static_cast<size_t>(n);
  }
  uint64_t h = kEmptyTokenHash;
  for (int32_t id : ids) h = extend_token_hash(h, id);
  if (h != hash) throw Error(name + " is corrupt (its tokens do not match their hash)");
  return ids;
}

}  // namespace coil
