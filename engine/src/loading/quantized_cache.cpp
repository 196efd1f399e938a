#include "coil/quantized_cache.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "coil/atomic_file.hpp"
#include "coil/error.hpp"
#include "coil/hash.hpp"
#include "coil/model.hpp"
#include "coil/quantize.hpp"

namespace coil {
namespace fs = std::filesystem;
namespace {

// Cache files are "<model key>-<contents key>.<type>.gguf", 16 hex digits each key; the
// record of each is "<copy>.check".
constexpr const char* kSuffix = ".gguf";
constexpr const char* kCheckSuffix = ".check";
constexpr const char* kCheckMagic = "coil quantized copy v1";
constexpr size_t kCheckRecordMax = 4096;
constexpr size_t kReadPiece = size_t{8} << 20;

std::string hex(uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

bool is_copy(const fs::directory_entry& e) {
  std::error_code ec;
  const std::string n = e.path().filename().string();
  return e.is_regular_file(ec) && n.size() > 34 && n[16] == '-' && n.ends_with(kSuffix);
}

// The key of the folder's contents: each regular file's name, size and modification time,
// in name order (a bounded number of files: a model folder holds a few dozen).
uint64_t contents_key(const fs::path& model, DType type) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(model, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    files.push_back(it->path());
    if (files.size() > 10000)
      throw Error("the model folder " + model.string() + " holds too many files");
  }
  if (ec) throw Error("cannot read the model folder " + model.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  Hasher h;
  h.update(dtype_name(type));
  for (const fs::path& f : files) {
    h.update(f.filename().string());
    h.update_value(static_cast<uint64_t>(fs::file_size(f, ec)));
    h.update_value(static_cast<int64_t>(fs::last_write_time(f, ec).time_since_epoch().count()));
  }
  return h.digest();
}

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove(p, ec);
}

fs::path check_path(const fs::path& copy) {
  return fs::path(copy.string() + kCheckSuffix);
}

void remove_copy(const fs::path& copy) {
  remove_quietly(copy);
  remove_quietly(check_path(copy));
}

// The hash of the whole file, read in pieces (cancel checked and progress told between
// them). Throws coil::Error when it cannot be read.
uint64_t file_hash(const fs::path& path, uint64_t bytes, const QuantizedCacheOptions& o) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string());
  std::vector<char> piece(kReadPiece);
  Hasher h;
  uint64_t done = 0;
  while (done < bytes) {
    if (o.cancel && o.cancel->load()) throw LoadCancelled();
    const size_t n = size_t(std::min<uint64_t>(piece.size(), bytes - done));
    in.read(piece.data(), std::streamsize(n));
    if (size_t(in.gcount()) != n) throw Error("cannot read " + path.string() + ": cut short");
    h.update(piece.data(), n);
    done += n;
    if (o.checking) o.checking(double(done) / double(bytes));
  }
  return h.digest();
}

// Writes <copy>.check for a copy just made: its size and hash.
void write_record(const fs::path& copy, const QuantizedCacheOptions& o) {
  const uint64_t bytes = fs::file_size(copy);
  QuantizedCacheOptions quiet;
  quiet.cancel = o.cancel;
  const std::string text = std::string(kCheckMagic) + "\nbytes " + std::to_string(bytes) +
                           "\nhash " + hex(file_hash(copy, bytes, quiet)) + "\n";
  write_file_atomically(check_path(copy), text.data(), text.size(), "the quantized copy's record");
}

// Leftovers of copies whose writer died (`<copy>.tmp-<pid>-<random>` of a process that is
// gone): a crash mid-quantization leaves gigabytes nobody would find.
void remove_dead_temps(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    const size_t at = n.find(std::string(kSuffix) + kTempFileMarker);
    if (at == std::string::npos || n.size() < 34 || n[16] != '-') continue;
    const size_t pid_at = at + std::strlen(kSuffix) + std::strlen(kTempFileMarker);
    const long pid = std::strtol(n.c_str() + pid_at, nullptr, 10);
    const bool alive =
        pid > 0 && (pid == long(::getpid()) || ::kill(pid_t(pid), 0) == 0 || errno == EPERM);
    if (!alive) remove_quietly(it->path());
  }
}

// Least recently used copies out until the total fits the budget; `keep` stays.
void evict(const fs::path& dir, const fs::path& keep, uint64_t budget) {
  struct Entry {
    fs::path path;
    uint64_t bytes;
    fs::file_time_type used;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!is_copy(*it)) continue;
    const uint64_t bytes = it->file_size(ec);
    total += bytes;
    if (it->path() != keep) entries.push_back({it->path(), bytes, it->last_write_time(ec)});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (const Entry& e : entries) {
    if (total <= budget) break;
    remove_copy(e.path);
    total -= e.bytes;
  }
}

}  // namespace

QuantizedCopy quantized_copy(const fs::path& model, DType type,
                             const QuantizedCacheOptions& options) {
  if (!dtype_is_quantized(type))
    throw Error(std::string("quantized weights need a block type, not ") + dtype_name(type));
  std::error_code ec;
  const fs::path source = fs::weakly_canonical(model, ec);
  if (ec || !fs::is_directory(source, ec))
    throw Error("the model " + model.string() + " is not a folder of safetensors");
  fs::create_directories(options.dir, ec);
  if (ec) throw Error("cannot make the folder " + options.dir.string() + ": " + ec.message());

  const std::string model_key = hex(hash_bytes(source.string().data(), source.string().size()));
  const std::string name =
      model_key + "-" + hex(contents_key(source, type)) + "." + dtype_name(type) + kSuffix;
  const fs::path path = options.dir / name;
  QuantizedCopy out{path, false, {}};
  remove_dead_temps(options.dir);
  if (fs::exists(path, ec)) {
    out.remade_because = quantized_copy_damage(path, options);
    if (out.remade_because.empty())
      fs::last_write_time(path, fs::file_time_type::clock::now(), ec);  // recently used
    else
      remove_copy(path);
  }
  if (!fs::is_regular_file(path, ec)) {
    remove_quietly(check_path(path));
    QuantizeOptions q;
    q.type = type;
    q.threads = options.threads;
    q.progress = [&](double fraction, const std::string& tensor) {
      if (options.cancel && options.cancel->load()) throw LoadCancelled();
      if (options.progress) options.progress(fraction, tensor);
    };
    quantize_model(source, path, q);  // through path.tmp: nothing left on an error
    try {
      write_record(path, options);  // the copy counts only once its record is there
    } catch (...) {
      remove_copy(path);
      throw;
    }
    out.made = true;
  }
  // copies of this folder's older contents in this type are stale
  const std::string stale_suffix = std::string(".") + dtype_name(type) + kSuffix;
  for (fs::directory_iterator it(options.dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (is_copy(*it) && n.starts_with(model_key) && n.ends_with(stale_suffix) && n != name)
      remove_copy(it->path());
  }
  evict(options.dir, path, options.budget_bytes);
  return out;
}

std::string quantized_copy_damage(const fs::path& path, const QuantizedCacheOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return "it is not a file";
  const uint64_t bytes = fs::file_size(path, ec);
  if (ec) return "it cannot be read (" + ec.message() + ")";
  const fs::path record = check_path(path);
  const uint64_t record_bytes = fs::file_size(record, ec);
  if (ec) return "it has no record of its contents (its writing never finished)";
  if (record_bytes > kCheckRecordMax) return "its record is not one Coil wrote";
  std::ifstream in(record, std::ios::binary);
  std::string magic, key1, key2, hash;
  uint64_t want_bytes = 0;
  if (!std::getline(in, magic) || magic != kCheckMagic || !(in >> key1 >> want_bytes) ||
      key1 != "bytes" || !(in >> key2 >> hash) || key2 != "hash" || hash.size() != 16)
    return "its record is not one Coil wrote";
  if (bytes != want_bytes)
    return "it is " + std::to_string(bytes) + " bytes, not the " + std::to_string(want_bytes) +
           " it was written with";
  if (hex(file_hash(path, bytes, options)) != hash)
    return "its contents changed since it was written";
  return {};
}

std::vector<fs::path> quantized_copies(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (is_copy(*it)) out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t quantized_cache_bytes(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const fs::path& p : quantized_copies(dir)) total += fs::file_size(p, ec);
  return total;
}

void clear_quantized_cache(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    const bool ours = n.size() > 34 && n[16] == '-';
    if (is_copy(*it) ||
        (ours && (n.ends_with(std::string(kSuffix) + kCheckSuffix) ||
                  n.find(std::string(kSuffix) + kTempFileMarker) != std::string::npos)))
      remove_quietly(it->path());
  }
}

}  // namespace coil
