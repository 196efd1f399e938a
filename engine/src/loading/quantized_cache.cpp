#include "coil/quantized_cache.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <system_error>

#include "coil/error.hpp"
#include "coil/hash.hpp"
#include "coil/model.hpp"
#include "coil/quantize.hpp"

namespace coil {
namespace fs = std::filesystem;
namespace {

// Cache files are "<model key>-<contents key>.<type>.gguf", 16 hex digits each key.
constexpr const char* kSuffix = ".gguf";

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
    remove_quietly(e.path);
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
  QuantizedCopy out{path, false};
  if (fs::is_regular_file(path, ec)) {
    fs::last_write_time(path, fs::file_time_type::clock::now(), ec);  // recently used
  } else {
    QuantizeOptions q;
    q.type = type;
    q.threads = options.threads;
    q.progress = [&](double fraction, const std::string& tensor) {
      if (options.cancel && options.cancel->load()) throw LoadCancelled();
      if (options.progress) options.progress(fraction, tensor);
    };
    quantize_model(source, path, q);  // through path.tmp: nothing left on an error
    out.made = true;
  }
  // copies of this folder's older contents in this type are stale
  const std::string stale_suffix = std::string(".") + dtype_name(type) + kSuffix;
  for (fs::directory_iterator it(options.dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (is_copy(*it) && n.starts_with(model_key) && n.ends_with(stale_suffix) && n != name)
      remove_quietly(it->path());
  }
  evict(options.dir, path, options.budget_bytes);
  return out;
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
    if (is_copy(*it) || (n.size() > 34 && n[16] == '-' && n.ends_with(".gguf.tmp")))
      remove_quietly(it->path());
  }
}

}  // namespace coil
