// Crash-safe file writes, the one implementation (state files, `coil logits --out`,
// `coil quantize`'s GGUF files; the app's state checkpoints, chat exports, Hub cache refs,
// download queue and access token): the data goes to a temporary file in the
// same folder
// ("<name>.tmp-<pid>-<random>"), which is fsynced, renamed over the target, and the folder
// fsynced. A crash at any instant leaves the old file (or none) or the complete new one,
// plus at worst a stray temporary file; a failure removes the temporary file.
#pragma once
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

#include "coil/error.hpp"

namespace coil {

// What the writes below throw: a coil::Error that also keeps the errno of the failure
// (ENOSPC: the disk is full).
class FileError : public Error {
 public:
  FileError(const std::string& message, int error_number)
      : Error(message), error_number_(error_number) {}
  int error_number() const { return error_number_; }

 private:
  int error_number_;
};

// The marker in every temporary file's name.
inline constexpr char kTempFileMarker[] = ".tmp-";

// Writes `bytes` bytes at `data` to `path`. `what` names the file in errors ("state file "
// gives "cannot write state file X: No space left on device"). `mode`: the new file's
// permissions (before the umask), set when it is created, before anything is written (0600
// for a secret).
void write_file_atomically(const std::filesystem::path& path, const void* data, size_t bytes,
                           const std::string& what = "", unsigned mode = 0644);
// The same for a file written in pieces (one larger than memory): `produce` calls the sink it
// is given with each piece in order. An exception from `produce` removes the temporary file
// and propagates unchanged.
using WriteSink = std::function<void(const void* data, size_t bytes)>;
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(const WriteSink&)>& produce,
                           const std::string& what = "", unsigned mode = 0644);
// fsync of a folder, so that renames and deletions in it are durable.
void sync_directory(const std::filesystem::path& dir);

}  // namespace coil
