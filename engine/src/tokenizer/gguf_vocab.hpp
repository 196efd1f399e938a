// The tokenizer of a GGUF file, as the tokenizer.json it stands for: either the exact
// Hugging Face file the GGUF carries (`tokenizer.huggingface.json`, which `coil quantize`
// writes), or one built from the `tokenizer.ggml.*` keys (model gpt2: tokens, merges, token
// types; the pre-tokenizer named by `tokenizer.ggml.pre`).
#pragma once
#include <nlohmann/json.hpp>

#include "coil/gguf.hpp"
#include "coil/gguf_writer.hpp"

namespace coil::tok {

// Throws coil::Error naming the file when the tokenizer keys are missing, malformed or of a
// kind Coil does not run (a SentencePiece "llama" vocab, an unknown pre-tokenizer).
nlohmann::json tokenizer_json_from_gguf(const GgufFile& f);

// GGUF token types (tokenizer.ggml.token_type).
enum GgufTokenType : int64_t {
  kTokenNormal = 1,
  kTokenUnknown = 2,
  kTokenControl = 3,
  kTokenUserDefined = 4,
  kTokenUnused = 5,
  kTokenByte = 6,
};

// The `tokenizer.ggml.pre` name of a tokenizer.json's pre-tokenizer ("falcon", "gpt-2"), or
// "" when it is none of those Coil knows (the GGUF then relies on tokenizer.huggingface.json).
std::string gguf_pre_name(const nlohmann::json& pre_tokenizer);

// Writes a tokenizer.json (its text `source_text`, parsed as `tokenizer_json`) into a GGUF:
// tokenizer.ggml.{model, pre, tokens, token_type, merges} for other tools, and the exact
// file as tokenizer.huggingface.json, which Coil reads back. Throws coil::Error naming
// `file` for a tokenizer that is not a byte-level BPE.
void put_tokenizer(const nlohmann::json& tokenizer_json, const std::string& source_text,
                   const std::string& file, GgufWriter& w);

}  // namespace coil::tok
