#include "tokenizer/bpe_tokenizer.hpp"

#include <nlohmann/json.hpp>

#include "coil/error.hpp"
#include "coil/json.hpp"
#include "coil/limits.hpp"
#include "coil/utf8.hpp"
#include "tokenizer/byte_level.hpp"

namespace coil::tok {

using nlohmann::json;

namespace {

json read_json(const std::filesystem::path& file) {
  return parse_json(read_file_text(file, limits::kTokenizerJsonBytes), file.string());
}

// Whether the "decoder" turns byte-level symbols back into bytes (ByteLevel) or keeps the
// token strings as they are (null).
bool parse_decoder(const json& j, const std::string& file) {
  if (j.is_null()) return false;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    throw Error(file + ": malformed \"decoder\" (an object with a \"type\" is expected)");
  const std::string type = j["type"].get<std::string>();
  if (type == "ByteLevel") return true;
  throw Error(file + ": unsupported decoder type '" + type + "'");
}

}  // namespace

std::unique_ptr<BpeTokenizer> BpeTokenizer::load(const std::filesystem::path& path) {
  return guard(path.string(), [&] { return from_json(read_json(path), path.string()); });
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_json(const json& root, const std::string& file) {
  return guard(file, [&] { return build(root, file); });
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::build(const json& root, const std::string& file) {
  if (!root.is_object())
    throw Error(file + ": not a tokenizer.json (the top level is not an object)");
  if (!root.contains("model") || !root["model"].is_object())
    throw Error(file + ": no \"model\" object");
  const json& model = root["model"];
  std::string type = "BPE";  // files written before "type" existed are BPE when they have merges
  if (model.contains("type")) {
    if (!model["type"].is_string()) throw Error(file + ": \"model.type\" must be a string");
    type = model["type"].get<std::string>();
  }
  if (type != "BPE")
    throw Error(file + ": unsupported tokenizer model type '" + type + "' (only BPE is supported)");

  auto normalizer = make_normalizer(root.value("normalizer", json()), file);
  auto pretokenizer = make_pretokenizer(root.value("pre_tokenizer", json()), file);
  const bool byte_level = parse_decoder(root.value("decoder", json()), file);
  auto bpe = std::make_unique<BpeModel>(model, file);
  auto added =
      std::make_unique<AddedVocabulary>(root.value("added_tokens", json()), normalizer.get(), file);
  return std::unique_ptr<BpeTokenizer>(new BpeTokenizer(std::move(normalizer),
                                                        std::move(pretokenizer), std::move(bpe),
                                                        std::move(added), byte_level, file));
}

BpeTokenizer::BpeTokenizer(std::unique_ptr<Normalizer> normalizer,
                           std::unique_ptr<PreTokenizer> pretokenizer,
                           std::unique_ptr<BpeModel> model, std::unique_ptr<AddedVocabulary> added,
                           bool byte_level_decoder, std::string file)
    : normalizer_(std::move(normalizer)),
      pretokenizer_(std::move(pretokenizer)),
      model_(std::move(model)),
      added_(std::move(added)),
      byte_level_decoder_(byte_level_decoder),
      file_(std::move(file)) {}

void BpeTokenizer::encode_text(std::string_view normalized, std::vector<int32_t>& out) const {
  std::vector<std::string> pieces{std::string(normalized)};
  if (pretokenizer_) pretokenizer_->apply(pieces);
  for (const std::string& p : pieces) model_->encode_piece(p, out);
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view input, bool parse_special) const {
  return guard(file_, [&] { return encode_all(input, parse_special); });
}

std::vector<int32_t> BpeTokenizer::encode_all(std::string_view input, bool parse_special) const {
  const std::string text = utf8_lossy(input);
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<Segment> raw_segments, segments;
  added_->split(text, /*normalized_set=*/false, parse_special, raw_segments);
  for (const Segment& raw : raw_segments) {
    if (raw.id >= 0) {
      ids.push_back(raw.id);
      continue;
    }
    const std::string normalized = normalizer_ ? normalizer_->normalize(raw.text) : raw.text;
    segments.clear();
    added_->split(normalized, /*normalized_set=*/true, parse_special, segments);
    for (const Segment& s : segments) {
      if (s.id >= 0)
        ids.push_back(s.id);
      else
        encode_text(s.text, ids);
    }
  }
  return ids;
}

std::string BpeTokenizer::piece_bytes(int32_t id, bool at_start, bool skip_special) const {
  if (skip_special && is_special(id)) return {};
  std::string_view token;
  if (const AddedToken* a = added_->find(id))
    token = a->content;
  else if (const std::string* t = model_->id_to_token(id))
    token = *t;
  else
    return {};  // unknown ids decode to nothing, as in the reference implementation
  if (byte_level_decoder_) {
    // A token with a character outside the byte-level alphabet (e.g. an added token written
    // in plain text) stands for its own UTF-8 bytes.
    if (auto bytes = symbols_to_bytes(token)) return std::move(*bytes);
    return std::string(token);
  }
  // Without a decoder the reference implementation joins the tokens with spaces.
  std::string out;
  if (!at_start) out += ' ';
  out.append(token);
  return out;
}

std::string BpeTokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string bytes;
  for (int32_t id : ids) bytes += piece_bytes(id, bytes.empty(), skip_special);
  return utf8_lossy(bytes);
}

std::string BpeTokenizer::token_bytes(int32_t id) const {
  return piece_bytes(id, false, false);
}

int32_t BpeTokenizer::vocab_size() const {
  return std::max(model_->id_limit(), added_->id_limit());
}

std::optional<int32_t> BpeTokenizer::token_to_id(std::string_view token) const {
  if (auto id = added_->token_to_id(token)) return id;
  return model_->token_to_id(token);
}

std::string BpeTokenizer::id_to_token(int32_t id) const {
  if (const AddedToken* a = added_->find(id)) return a->content;
  if (const std::string* t = model_->id_to_token(id)) return *t;
  return {};
}

bool BpeTokenizer::is_special(int32_t id) const {
  const AddedToken* a = added_->find(id);
  return a && a->special;
}

}  // namespace coil::tok
