#include "tokenizer/sentencepiece_tokenizer.hpp"

#include <sentencepiece_processor.h>

#include <algorithm>

#include "coil/error.hpp"
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

// The byte of a byte piece "<0xAB>".
char byte_of_piece(const std::string& piece) {
  return static_cast<char>(std::stoi(piece.substr(3, 2), nullptr, 16));
}

}  // namespace

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(
    const std::filesystem::path& path) {
  const std::string file = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(file + ": cannot open tokenizer file");
  auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = sp->Load(file);
  if (!status.ok()) throw Error(file + ": not a valid SentencePiece model: " + status.ToString());
  if (sp->GetPieceSize() <= 0) throw Error(file + ": SentencePiece model has no pieces");
  return std::unique_ptr<SentencePieceTokenizer>(new SentencePieceTokenizer(std::move(sp), file));
}

SentencePieceTokenizer::SentencePieceTokenizer(
    std::unique_ptr<sentencepiece::SentencePieceProcessor> sp, std::string file)
    : sp_(std::move(sp)), file_(std::move(file)) {
  const int n = sp_->GetPieceSize();
  for (int id = 0; id < n; ++id) {
    if (sp_->IsControl(id) && !sp_->IdToPiece(id).empty())
      specials_.emplace_back(sp_->IdToPiece(id), id);
  }
  // Longest first, so that matching at a position takes the longest special piece.
  std::stable_sort(specials_.begin(), specials_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
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
  const std::string text = utf8_lossy(input);
  std::vector<int32_t> ids;
  if (!parse_special || specials_.empty()) {
    encode_plain(text, ids);
    return ids;
  }
  // Control pieces written in the text become their ids; the text between them is encoded
  // as separate pieces of text.
  size_t emitted = 0;
  for (size_t i = 0; i < text.size();) {
    const auto it = std::find_if(specials_.begin(), specials_.end(), [&](const auto& s) {
      return std::string_view(text).substr(i, s.first.size()) == s.first;
    });
    if (it == specials_.end()) {
      ++i;
      continue;
    }
    encode_plain(std::string_view(text).substr(emitted, i - emitted), ids);
    ids.push_back(it->second);
    i += it->first.size();
    emitted = i;
  }
  encode_plain(std::string_view(text).substr(emitted), ids);
  return ids;
}

std::string SentencePieceTokenizer::piece_bytes(int32_t id, bool at_start,
                                                bool skip_special) const {
  if (!valid(id)) return {};
  const std::string& piece = sp_->IdToPiece(id);
  if (sp_->IsControl(id)) return skip_special ? std::string() : piece;
  if (sp_->IsUnknown(id)) return std::string(kUnknownSurface);
  if (sp_->IsByte(id)) return std::string(1, byte_of_piece(piece));
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
