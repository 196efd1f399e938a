// What an untrusted file may ask of Coil. Every file Coil reads may be hostile (a model repo
// from the Hub, a chat export, a state file), so every size, count, depth and amount of work
// a file controls is bounded here, in one place, and every size computed from a file is
// computed with the checked arithmetic below. A file beyond a limit is refused with a
// coil::Error that names the file and says what was too large, too deep or too slow.
// README.md ("Limits on model files") lists these for users.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace coil::limits {

inline constexpr uint64_t kMiB = uint64_t{1} << 20;

// --- JSON (config.json, tokenizer.json, safetensors headers, chat exports, Hub answers) ---
// Nesting of arrays and objects. The deepest real files nest about 8 levels (tools with JSON
// schemas about 20); the limit keeps every recursive walk of a parsed document (copies,
// dumps, conversions) far from the stack's end.
inline constexpr int kJsonDepth = 64;
// Whole JSON files read into memory: config.json, generation_config.json,
// tokenizer_config.json, chat_template.json, model.safetensors.index.json, chat exports.
inline constexpr uint64_t kJsonFileBytes = 64 * kMiB;
// tokenizer.json (the largest published ones are about 35 MiB).
inline constexpr uint64_t kTokenizerJsonBytes = 256 * kMiB;
// A chat export imported by the app (Export as JSON: every chat with its whole tree).
inline constexpr uint64_t kChatExportBytes = 256 * kMiB;
// A safetensors JSON header (the safetensors library's own limit).
inline constexpr uint64_t kSafetensorsHeaderBytes = 100 * kMiB;
// Dimensions of one safetensors tensor.
inline constexpr size_t kTensorRank = 32;

// --- Model dimensions (config.json); each must be positive and at most: ---
inline constexpr int64_t kVocab = int64_t{1} << 24;
inline constexpr int64_t kHidden = int64_t{1} << 20;
inline constexpr int64_t kInner = int64_t{1} << 20;  // intermediate_size
inline constexpr int64_t kStateSize = 4096;          // state_size (d_state)
inline constexpr int64_t kLayers = 4096;             // num_hidden_layers
inline constexpr int64_t kConvKernel = 64;
inline constexpr int64_t kTimeStepRank = int64_t{1} << 20;

// --- Tokenizers ---
// Token ids of a tokenizer.json vocab may leave gaps, but the id table is at most this much
// larger than the number of tokens (so a tiny file cannot make Coil allocate for id 10^9).
inline constexpr int64_t kVocabIdSlack = 1 << 16;
// A SentencePiece tokenizer.model (the largest published ones are a few MiB).
inline constexpr uint64_t kSentencePieceBytes = 64 * kMiB;
// An added token's text (and a SentencePiece control piece's) (the longest real ones are runs of 24
// spaces).
inline constexpr size_t kAddedTokenBytes = 4096;
// PCRE2, for the regular expressions of pre-tokenizers: each match attempt may take at most
// kRegexMatchSteps steps (PCRE2's match limit), kRegexDepth nested backtracking points and
// kRegexHeapKiB of heap (kRegexJitStackKiB when JIT-compiled); all the attempts over one text
// together at most kRegexBaseSteps plus kRegexStepsPerByte per byte of the text. Real patterns
// (GPT-2's, Llama 3's) need a few steps per byte.
inline constexpr uint32_t kRegexMatchSteps = 1'000'000;
inline constexpr uint32_t kRegexDepth = 10'000;
inline constexpr uint32_t kRegexHeapKiB = 64 * 1024;
inline constexpr uint32_t kRegexJitStackKiB = 1024;
inline constexpr uint64_t kRegexBaseSteps = 8'000'000;
inline constexpr uint32_t kRegexStepsPerByte = 256;

// --- Chat templates (Jinja) ---
inline constexpr size_t kTemplateSourceBytes = 1 * kMiB;
// Work units one render may spend: every statement, expression, loop iteration, call and
// element a filter visits costs kTemplateStepCost; every byte a filter or operator builds,
// copies or scans costs 1. About half a second of work at most.
inline constexpr uint64_t kTemplateWork = 400'000'000;
inline constexpr uint64_t kTemplateStepCost = 64;
inline constexpr uint64_t kTemplateOutputBytes = 16 * kMiB;
// Nesting of statements, expressions and macro calls while rendering, all counted together:
// the deepest render fits well within a 1 MiB stack.
inline constexpr int kTemplateDepth = 256;
// Strings (bytes) and lists (items) one operation may build.
inline constexpr size_t kTemplateStringBytes = size_t{1} << 24;
inline constexpr size_t kTemplateListItems = size_t{1} << 20;

}  // namespace coil::limits

namespace coil {

// Checked arithmetic for sizes computed from file contents: each returns false when the
// result does not fit in T (and then `*out` is unspecified).
template <class T>
[[nodiscard]] constexpr bool add_fits(T a, T b, T* out) {
  return !__builtin_add_overflow(a, b, out);
}
template <class T>
[[nodiscard]] constexpr bool sub_fits(T a, T b, T* out) {
  return !__builtin_sub_overflow(a, b, out);
}
template <class T>
[[nodiscard]] constexpr bool mul_fits(T a, T b, T* out) {
  return !__builtin_mul_overflow(a, b, out);
}

// The throwing forms: coil::Error "<source>: <what> is too large" on overflow.
int64_t checked_add(int64_t a, int64_t b, std::string_view source, std::string_view what);
int64_t checked_mul(int64_t a, int64_t b, std::string_view source, std::string_view what);
uint64_t checked_add(uint64_t a, uint64_t b, std::string_view source, std::string_view what);
uint64_t checked_mul(uint64_t a, uint64_t b, std::string_view source, std::string_view what);

// The number of elements of a shape (dimensions >= 0), or nullopt when the product of its
// non-zero dimensions does not fit in int64 ([3, 2^62, 0] does not: nothing that size can
// be indexed).
std::optional<int64_t> checked_numel(std::span<const int64_t> shape);

// Before allocating for something a file describes: throws coil::Error "<source>: <what>
// needs N bytes but the file holds only M" unless `needed` <= `available`, the bytes of the
// file that can hold it.
void require_in_file(uint64_t needed, uint64_t available, std::string_view source,
                     std::string_view what);

}  // namespace coil
