#include "tokenizer/sentencepiece_tokenizer.hpp"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <optional>

#include "coil/error.hpp"
#include "coil/json.hpp"
#include "coil/limits.hpp"
#include "coil/utf8.hpp"

namespace coil::tok {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";       // U+2581 "▁"
constexpr std::string_view kUnknownSurface = " \xE2\x81\x87 ";  // " ⁇ ", the library's

std::string replace_space_symbols(std::string_view piece) {
  std::string out;
  out.reserve(piece.size());
  for (size_t i = 0; i < piece.size();) {
    if (piece.substr(i, kSpaceSymbol.size()) == kSpaceSymbol) {
      out += ' ';
      i += kSpaceSymbol.size();
    } else {
      out += piece[i++];
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The byte of a byte piece "<0xAB>", or nullopt when the piece is not spelled so.
std::optional<char> byte_of_piece(std::string_view piece) {
  if (piece.size() != 6 || !piece.starts_with("<0x") || piece[5] != '>') return std::nullopt;
  const int hi = hex_digit(piece[3]), lo = hex_digit(piece[4]);
  if (hi < 0 || lo < 0) return std::nullopt;
  return static_cast<char>(hi * 16 + lo);
}

}  // namespace

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(
    const std::filesystem::path& path) {
  const std::string file = path.string();
  return guard(file, [&] {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      throw Error(file + ": cannot open tokenizer file");
    // The library reads the model from memory; the size is checked before reading it.
    const std::string bytes = read_file_text(path, limits::kSentencePieceBytes);
    auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
    const auto status = sp->LoadFromSerializedProto(bytes);
    if (!status.ok()) throw Error(file + ": not a valid SentencePiece model: " + status.ToString());
    if (sp->GetPieceSize() <= 0) throw Error(file + ": SentencePiece model has no pieces");
    return std::unique_ptr<SentencePieceTokenizer>(new SentencePieceTokenizer(std::move(sp), file));
  });
}

SentencePieceTokenizer::SentencePieceTokenizer(
    std::unique_ptr<sentencepiece::SentencePieceProcessor> sp, std::string file)
    : sp_(std::move(sp)), file_(std::move(file)) {
  const int n = sp_->GetPieceSize();
  for (int id = 0; id < n; ++id) {
    const std::string& piece = sp_->IdToPiece(id);
    if (!sp_->IsControl(id) || piece.empty()) continue;
    if (piece.size() > limits::kAddedTokenBytes)
      throw Error(file_ + ": control piece " + std::to_string(id) + " is " +
                  std::to_string(piece.size()) + " bytes long, more than the " +
                  std::to_string(limits::kAddedTokenBytes) + " allowed");
    specials_.insert(piece, id);
    has_specials_ = true;
  }
  for (int id = 0; id < n; ++id)
    if (sp_->IsByte(id) && !byte_of_piece(sp_->IdToPiece(id)))
      throw Error(file_ + ": byte piece " + std::to_string(id) + " is not spelled <0xHH>");
  // Whether the library drops the leading "▁" of the first piece (it does when the model
  // adds a dummy prefix or removes extra whitespace): ask it on one such piece.
  for (int id = 0; id < n; ++id) {
    const std::string& piece = sp_->IdToPiece(id);
    if (sp_->IsControl(id) || sp_->IsUnknown(id) || sp_->IsByte(id) || sp_->IsUnused(id)) continue;
    if (piece.size() <= kSpaceSymbol.size() || piece.rfind(kSpaceSymbol, 0) != 0) continue;
    strip_first_space_ = sp_->DecodeIds({id}).rfind(' ', 0) != 0;
    break;
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

void SentencePieceTokenizer::encode_plain(std::string_view text, std::vector<int32_t>& out) const {
  if (text.empty()) return;
  std::vector<int> ids;
  const auto status = sp_->Encode(text, &ids);
  if (!status.ok()) throw Error(file_ + ": SentencePiece encoding failed: " + status.ToString());
  out.insert(out.end(), ids.begin(), ids.end());
}

std::vector<int32_t> SentencePieceTokenizer::encode(std::string_view input,
                                                    bool parse_special) const {
  return guard(file_, [&] {
    const std::string text = utf8_lossy(input);
    std::vector<int32_t> ids;
    if (!parse_special || !has_specials_) {
      encode_plain(text, ids);
      return ids;
    }
    // Control pieces written in the text become their ids (the longest at each position);
    // the text between them is encoded as separate pieces of text.
    size_t emitted = 0;
    for (size_t i = 0; i < text.size();) {
      const auto [len, id] = specials_.may_start(static_cast<unsigned char>(text[i]))
                                 ? specials_.longest_at(text, i)
                                 : std::pair<size_t, int32_t>{0, -1};
      if (id < 0) {
        ++i;
        continue;
      }
      encode_plain(std::string_view(text).substr(emitted, i - emitted), ids);
      ids.push_back(id);
      i += len;
      emitted = i;
    }
    encode_plain(std::string_view(text).substr(emitted), ids);
    return ids;
  });
}

std::string SentencePieceTokenizer::piece_bytes(int32_t id, bool at_start,
                                                bool skip_special) const {
  if (!valid(id)) return {};
  const std::string& piece = sp_->IdToPiece(id);
  if (sp_->IsControl(id)) return skip_special ? std::string() : piece;
  if (sp_->IsUnknown(id)) return std::string(kUnknownSurface);
  if (sp_->IsByte(id)) return std::string(1, byte_of_piece(piece).value_or('?'));
  std::string_view p = piece;
  if (at_start && strip_first_space_ && p.rfind(kSpaceSymbol, 0) == 0)
    p.remove_prefix(kSpaceSymbol.size());
  return replace_space_symbols(p);
}

std::string SentencePieceTokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string bytes;
  for (int32_t id : ids) bytes += piece_bytes(id, bytes.empty(), skip_special);
  return utf8_lossy(bytes);
}

std::string SentencePieceTokenizer::token_bytes(int32_t id) const {
  return piece_bytes(id, false, false);
}

int32_t SentencePieceTokenizer::vocab_size() const {
  return sp_->GetPieceSize();
}

std::optional<int32_t> SentencePieceTokenizer::token_to_id(std::string_view token) const {
  const int id = sp_->PieceToId(token);
  if (id < 0 || id >= vocab_size() || sp_->IdToPiece(id) != token) return std::nullopt;
  return id;
}

std::string SentencePieceTokenizer::id_to_token(int32_t id) const {
  return valid(id) ? sp_->IdToPiece(id) : std::string();
}

bool SentencePieceTokenizer::is_special(int32_t id) const {
  return valid(id) && sp_->IsControl(id);
}

}  // namespace coil::tok
