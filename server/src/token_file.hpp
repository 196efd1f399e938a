// The token list kept beside each cached state file (<hash>.tokens), so that a state is used
// only for a request that really starts with its tokens.
//   magic "COILTOKS" (8) | u32 version 1 | u32 reserved 0 | u64 count | u64 token hash
//   i32 ids[count]                                                    (little-endian)
// The token hash (hash.hpp's chain) doubles as the check of the ids.
#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

namespace coil {

// Atomic: a temporary file beside it, fsync, rename, fsync(folder). Throws coil::Error.
void write_token_file(const std::filesystem::path& path, const std::vector<int32_t>& tokens,
                      uint64_t token_hash);
// Throws coil::Error naming the file when it is not one, is truncated, too large, or its ids do
// not hash to the hash it records.
std::vector<int32_t> read_token_file(const std::filesystem::path& path);

}  // namespace coil
