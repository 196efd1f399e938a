// The GPT-2 byte-to-unicode mapping used by byte-level BPE: every byte becomes one
// printable character (printable Latin-1 bytes map to themselves, the others to U+0100+n),
// so that any byte string can be spelled with vocabulary symbols.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace coil::tok {

// `bytes` spelled with byte-level symbols.
std::string bytes_to_symbols(std::string_view bytes);

// The inverse of bytes_to_symbols for one token: the raw bytes, or nullopt if some
// character of `symbols` is not a byte-level symbol.
std::optional<std::string> symbols_to_bytes(std::string_view symbols);

}  // namespace coil::tok
