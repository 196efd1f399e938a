// Chat templates (the Jinja subset Hugging Face templates use) and generation_config.json.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coil/sampler.hpp"

namespace coil {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

// A compiled chat template, rendered as Hugging Face renders them (Jinja with trim_blocks and
// lstrip_blocks). Supports: {{ }}, {% %}, {# #}, whitespace control (- and +), {% raw %};
// for/else/endfor (tuple targets, `if` filter, loop.index/index0/revindex/revindex0/first/
// last/length/previtem/nextitem/cycle(), break/continue), if/elif/else, set (also
// `set ns.attr =` on namespace() objects and {% set x %}...{% endset %}), macros,
// {% generation %}; expressions with literals, lists, dicts, attribute/item access, slices,
// + - * / // % **, comparisons (chained), and/or/not, in/not in, ~, `a if c else b`;
// the globals raise_exception(), namespace(), range(), dict(), strftime_now(); the str methods
// strip/lstrip/rstrip/startswith/endswith/split/upper/lower/title/capitalize/replace/find/
// count/join and dict items/keys/values/get; the filters abs, capitalize, count, default (d),
// escape (e), first, float, indent, int, items, join, last, length, list, lower, map, max,
// min, reject, rejectattr, replace, reverse, round, safe, select, selectattr, sort, string,
// sum, title, tojson (HF's: indent, sort_keys, ensure_ascii, separators), trim, unique, upper,
// wordcount; and the tests defined, undefined, none, boolean, true, false, integer, float,
// number, string, mapping, iterable, sequence, callable, sameas, in, eq/equalto, ne, lt, le,
// gt, ge, even, odd, divisibleby, lower, upper. Case mapping is ASCII only.
// Rendering is const and thread-safe. Templates come with downloaded models, so their size,
// nesting, recursion, work (loop iterations, calls, bytes built) and output are bounded
// (limits.hpp): a hostile template fails with an error saying which limit it hit.
class ChatTemplate {
 public:
  // Throws coil::Error "chat template: <reason> at line L, column C" on a syntax error,
  // prefixed with "<origin>: " when `origin` (the file the template came from) is given;
  // render errors name `origin` in the same way.
  explicit ChatTemplate(std::string source, std::string origin = "");
  ~ChatTemplate();
  ChatTemplate(ChatTemplate&&) noexcept;
  ChatTemplate& operator=(ChatTemplate&&) noexcept;

  // The ChatML format falcon-mamba-7b-instruct uses:
  // <|im_start|>role\ncontent<|im_end|>\n ... and "<|im_start|>assistant\n" when asked.
  static ChatTemplate chatml();

  // Renders; throws coil::Error on runtime errors: "chat template: <reason> at line L,
  // column C", except raise_exception('msg'), whose coil::Error says exactly "msg".
  std::string render(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                     const std::string& bos_token = "", const std::string& eos_token = "") const;

  // Renders with any variables, given as a JSON object (messages with extra fields, tools,
  // documents...). A nlohmann::json converts implicitly (its objects' keys come sorted).
  std::string render_with(const nlohmann::ordered_json& variables) const;

  const std::string& source() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What a model folder says about chat: template, special token strings, eos ids.
struct ChatConfig {
  std::optional<std::string> chat_template;  // tokenizer_config.json "chat_template"
                                             // (string, or the "default" of a list)
  std::string chat_template_file;            // the file chat_template came from
  std::string bos_token;                     // tokenizer_config.json (string or {content})
  std::string eos_token;
  std::optional<int64_t> bos_token_id;  // generation_config.json, else config.json
  std::vector<int64_t> eos_token_ids;   // generation_config.json (int or list), else config.json
                                        // (generation stops on any of them)
  // Default sampling from generation_config.json when present.
  std::optional<bool> do_sample;
  std::optional<double> temperature, top_p, min_p, repetition_penalty;
  std::optional<int64_t> top_k, max_new_tokens;

  // The sampling to start from for this model: `base` with generation_config.json applied
  // the way transformers reads it. "do_sample": false is greedy decoding (temperature 0)
  // with the file's repetition_penalty or none; otherwise (true or absent) the file's
  // temperature, top_k, top_p, min_p and repetition_penalty replace base's. An absent
  // do_sample keeps base's sampling, unlike transformers (where it means greedy): most chat
  // models' files say nothing and expect to be sampled.
  SamplingParams sampling(SamplingParams base = {}) const;

  // Reads tokenizer_config.json, generation_config.json and config.json from `dir` when
  // present (all optional); throws coil::Error naming the file when one is malformed.
  // A chat_template.jinja file (or chat_template.json {"chat_template": ...}), as newer
  // transformers save, takes precedence over tokenizer_config.json's chat_template.
  // A GGUF file instead of a folder: tokenizer.chat_template, tokenizer.ggml.* special ids
  // (eos and eot both stop) and general.sampling.* defaults.
  static ChatConfig load(const std::filesystem::path& dir);

  // The template to use: the folder's, else ChatML.
  ChatTemplate make_template() const;
};

}  // namespace coil
