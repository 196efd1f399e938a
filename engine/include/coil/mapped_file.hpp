// A whole file mapped read-only into memory: what safetensors files and state files are
// read through (the one mmap wrapper of the engine).
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace coil {

class MappedFile {
 public:
  // Maps `path` (a regular file; an empty one maps to size() 0). `what` names the kind of
  // file in errors ("state file " gives "cannot open state file X: ..."). `populate` reads
  // every page in at once (MAP_POPULATE), for a file that is read whole right away.
  // Throws coil::Error: "cannot open <what><path>: <reason>" or "cannot read ...".
  MappedFile(const std::filesystem::path& path, const std::string& what, bool populate = false);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return static_cast<const uint8_t*>(map_); }
  size_t size() const { return size_; }

 private:
  void* map_ = nullptr;
  size_t size_ = 0;
};

}  // namespace coil
