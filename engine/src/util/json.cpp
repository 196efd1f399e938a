// JSON from untrusted files: nesting checked before parsing, sizes before reading, and every
// failure a coil::Error naming the file.
#include "coil/json.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "coil/error.hpp"

namespace coil {
namespace {

template <class Json>
Json parse_checked(std::string_view text, std::string_view source) {
  if (const auto at = json_too_deep(text))
    throw Error(std::string(source) + ": JSON nested deeper than " +
                std::to_string(limits::kJsonDepth) + " levels (at byte " + std::to_string(*at) +
                ")");
  return guard(source, [&] { return Json::parse(text); });
}

template <class Json>
std::string excerpt(const Json& value, size_t max_bytes) {
  // Containers are quoted from their first elements only, so a huge value costs little.
  std::string text;
  if (value.is_array() || value.is_object()) {
    text = value.is_array() ? "[" : "{";
    size_t n = 0;
    for (auto it = value.begin(); it != value.end() && text.size() <= max_bytes; ++it, ++n) {
      if (n) text += ",";  // compact, as dump() writes
      if (value.is_object())
        text += Json(it.key()).dump(-1, ' ', false, Json::error_handler_t::replace) + ":";
      text += excerpt(*it, max_bytes);
    }
    text += value.is_array() ? "]" : "}";
  } else {
    text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  if (text.size() > max_bytes) text = text.substr(0, max_bytes) + "...";
  return text;
}

}  // namespace

std::string json_excerpt(const nlohmann::json& value, size_t max_bytes) {
  return excerpt(value, max_bytes);
}
std::string json_excerpt(const nlohmann::ordered_json& value, size_t max_bytes) {
  return excerpt(value, max_bytes);
}

std::optional<size_t> json_too_deep(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return i;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

nlohmann::json parse_json(std::string_view text, std::string_view source) {
  return parse_checked<nlohmann::json>(text, source);
}

nlohmann::ordered_json parse_ordered_json(std::string_view text, std::string_view source) {
  return parse_checked<nlohmann::ordered_json>(text, source);
}

std::string read_file_text(const std::filesystem::path& path, uint64_t max_bytes) {
  const std::string file = path.string();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(file + ": cannot open: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error(file + ": cannot read: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw Error(file + ": is a folder, not a file");
  if (!S_ISREG(st.st_mode)) throw Error(file + ": is not a regular file");
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes)
    throw Error(file + ": the file is too large (" + std::to_string(size) + " bytes; at most " +
                std::to_string(max_bytes) + " are read)");
  std::string text(static_cast<size_t>(size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(file + ": cannot read: " + std::strerror(errno));
    if (n == 0) break;  // shrank meanwhile
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  return text;
}

nlohmann::json read_json_file(const std::filesystem::path& path, uint64_t max_bytes) {
  const std::string file = path.string();
  return parse_json(read_file_text(path, max_bytes), file);
}

}  // namespace coil
