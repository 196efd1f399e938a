// tokenizer.json from a GGUF's tokenizer metadata (see gguf_vocab.hpp).
#include "tokenizer/gguf_vocab.hpp"

#include <string_view>

#include "coil/error.hpp"
#include "coil/json.hpp"

namespace coil::tok {
namespace {

using nlohmann::json;

// The pre-tokenizers of the `tokenizer.ggml.pre` names Coil reads, as tokenizer.json spells
// them: GPT-2's byte-level regex split, and Falcon's (punctuation, byte level, digits, then
// runs of three digits).
json byte_level() {
  return {{"type", "ByteLevel"},
          {"add_prefix_space", false},
          {"trim_offsets", true},
          {"use_regex", true}};
}

json falcon_pre() {
  return {{"type", "Sequence"},
          {"pretokenizers", json::array({{{"type", "Punctuation"}, {"behavior", "Contiguous"}},
                                         byte_level(),
                                         {{"type", "Digits"}, {"individual_digits", false}},
                                         {{"type", "Split"},
                                          {"pattern", {{"Regex", "[0-9][0-9][0-9]"}}},
                                          {"behavior", "Isolated"},
                                          {"invert", false}}})}};
}

json pre_for(const std::string& name, const std::string& file) {
  if (name == "falcon") return falcon_pre();
  if (name == "gpt-2" || name == "default" || name == "olmo" || name == "gpt-neox")
    return byte_level();
  throw Error(file + ": GGUF pre-tokenizer '" + name +
              "' is not supported (Coil reads falcon, gpt-2, gpt-neox, olmo, default)");
}

}  // namespace

std::string gguf_pre_name(const json& pre) {
  if (pre == falcon_pre()) return "falcon";
  json bl = pre;
  if (bl.is_object() && !bl.contains("use_regex")) bl["use_regex"] = true;  // its default
  if (bl == byte_level()) return "gpt-2";
  return "";
}

json tokenizer_json_from_gguf(const GgufFile& f) {
  const std::string file = f.path().string();
  if (auto hf = f.get_string("tokenizer.huggingface.json"))
    return parse_json(*hf, file + " (tokenizer.huggingface.json)");
  const auto model = f.get_string("tokenizer.ggml.model");
  if (!model) throw Error(file + ": this GGUF has no tokenizer (no tokenizer.ggml.model)");
  if (*model != "gpt2")
    throw Error(file + ": GGUF tokenizer model '" + *model +
                "' is not supported (Coil reads byte-level BPE vocabularies, model gpt2)");
  const auto* tokens = f.get_string_array("tokenizer.ggml.tokens");
  if (!tokens || tokens->empty()) throw Error(file + ": no tokenizer.ggml.tokens");
  const auto* merges = f.get_string_array("tokenizer.ggml.merges");
  if (!merges) throw Error(file + ": no tokenizer.ggml.merges (a gpt2 vocab needs its merges)");
  const auto* types = f.get_int_array("tokenizer.ggml.token_type");
  if (types && types->size() != tokens->size())
    throw Error(file + ": tokenizer.ggml.token_type has " + std::to_string(types->size()) +
                " entries for " + std::to_string(tokens->size()) + " tokens");
  if (tokens->size() > static_cast<size_t>(INT32_MAX / 2))
    throw Error(file + ": tokenizer.ggml.tokens is too long");

  json vocab = json::object();
  json added = json::array();
  for (size_t id = 0; id < tokens->size(); ++id) {
    const std::string& t = (*tokens)[id];
    const int64_t type = types ? (*types)[id] : kTokenNormal;
    if (type == kTokenControl || type == kTokenUserDefined) {
      if (t.empty()) continue;
      added.push_back({{"id", id},
                       {"content", t},
                       {"special", type == kTokenControl},
                       {"normalized", false},
                       {"lstrip", false},
                       {"rstrip", false},
                       {"single_word", false}});
    }
    if (!vocab.contains(t)) vocab[t] = id;  // a duplicate keeps its first id
  }
  json root;
  root["model"] = {{"type", "BPE"},        {"vocab", std::move(vocab)}, {"merges", *merges},
                   {"unk_token", nullptr}, {"fuse_unk", false},         {"byte_fallback", false}};
  root["added_tokens"] = std::move(added);
  root["normalizer"] = nullptr;
  root["pre_tokenizer"] = pre_for(f.get_string("tokenizer.ggml.pre").value_or("default"), file);
  root["decoder"] = {{"type", "ByteLevel"},
                     {"add_prefix_space", true},
                     {"trim_offsets", true},
                     {"use_regex", true}};
  return root;
}

void put_tokenizer(const json& tj, const std::string& source_text, const std::string& file,
                   GgufWriter& w) {
  const json* model = tj.is_object() && tj.contains("model") ? &tj["model"] : nullptr;
  if (!model || !model->is_object() || model->value("type", "BPE") != "BPE" ||
      !model->contains("vocab") || !(*model)["vocab"].is_object() || !model->contains("merges") ||
      !(*model)["merges"].is_array())
    throw Error(file +
                ": only byte-level BPE tokenizers (model type BPE with vocab and merges) "
                "can be written to a GGUF");
  std::vector<std::string> tokens;
  std::vector<int64_t> types;
  auto put = [&](int64_t id, const std::string& s, int64_t type) {
    if (id < 0 || id > INT32_MAX / 2)
      throw Error(file + ": token id " + std::to_string(id) + " is out of range");
    if (static_cast<size_t>(id) >= tokens.size()) {
      tokens.resize(id + 1);
      types.resize(id + 1, kTokenUnused);
    }
    tokens[id] = s;
    types[id] = type;
  };
  for (const auto& [token, id] : (*model)["vocab"].items()) {
    if (!id.is_number_integer())
      throw Error(file + ": vocab entry '" + token + "' has no integer id");
    put(id.get<int64_t>(), token, kTokenNormal);
  }
  if (const auto it = tj.find("added_tokens"); it != tj.end() && it->is_array())
    for (const json& a : *it)
      if (a.is_object() && a.contains("id") && a["id"].is_number_integer() &&
          a.contains("content") && a["content"].is_string())
        put(a["id"].get<int64_t>(), a["content"].get<std::string>(),
            a.value("special", false) ? kTokenControl : kTokenUserDefined);
  for (size_t id = 0; id < tokens.size(); ++id)  // holes: placeholders, never produced
    if (types[id] == kTokenUnused) tokens[id] = "[PAD" + std::to_string(id) + "]";
  std::vector<std::string> merges;
  for (const json& m : (*model)["merges"]) {
    if (m.is_string())
      merges.push_back(m.get<std::string>());
    else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
      merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
    else
      throw Error(file + ": a merge is neither \"a b\" nor [\"a\", \"b\"]");
  }
  w.set_string("tokenizer.ggml.model", "gpt2");
  const std::string pre = gguf_pre_name(tj.value("pre_tokenizer", json()));
  w.set_string("tokenizer.ggml.pre", pre.empty() ? "default" : pre);
  w.set_strings("tokenizer.ggml.tokens", std::move(tokens));
  w.set_i32s("tokenizer.ggml.token_type", std::move(types));
  w.set_strings("tokenizer.ggml.merges", std::move(merges));
  w.set_string("tokenizer.huggingface.json", source_text);
}

}  // namespace coil::tok
