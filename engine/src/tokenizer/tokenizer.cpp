// Tokenizer::load: picks the implementation from the file (or folder) given.
#include "coil/tokenizer.hpp"

#include <fstream>

#include "coil/error.hpp"
#include "coil/gguf.hpp"
#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer/gguf_vocab.hpp"
#include "tokenizer/sentencepiece_tokenizer.hpp"

namespace coil {
namespace fs = std::filesystem;

namespace {

// Whether `file` looks like JSON (its first non-blank byte is '{').
bool looks_like_json(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char c;
  while (in.get(c))
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c == '{';
  return false;
}

std::unique_ptr<Tokenizer> load_any(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (fs::exists(path / "tokenizer.json", ec))
      return tok::BpeTokenizer::load(path / "tokenizer.json");
    if (fs::exists(path / "tokenizer.model", ec))
      return tok::SentencePieceTokenizer::load(path / "tokenizer.model");
    throw Error(path.string() + ": no tokenizer.json or tokenizer.model in this folder");
  }
  if (!fs::exists(path, ec)) throw Error(path.string() + ": tokenizer file not found");
  if (is_gguf_file(path)) {
    const GgufFile gguf(path);
    return tok::BpeTokenizer::from_json(tok::tokenizer_json_from_gguf(gguf), path.string());
  }
  if (path.extension() == ".json") return tok::BpeTokenizer::load(path);
  if (path.extension() == ".model") return tok::SentencePieceTokenizer::load(path);
  if (looks_like_json(path)) return tok::BpeTokenizer::load(path);
  return tok::SentencePieceTokenizer::load(path);
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::load(const fs::path& path) {
  return guard(path.string(), [&] { return load_any(path); });
}

}  // namespace coil
