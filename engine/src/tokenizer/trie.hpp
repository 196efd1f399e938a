// A byte trie of token strings, for finding the longest token at a position of a text
// (the added tokens of a tokenizer.json, the control pieces of a SentencePiece model).
// Finding costs at most the length of the longest token, which loaders bound
// (limits::kAddedTokenBytes).
#pragma once
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace coil::tok {

class TokenTrie {
 public:
  // Adds `pattern` standing for `value` (a first insertion of a pattern wins).
  void insert(std::string_view pattern, int32_t value);
  // The longest pattern starting at `pos`: its length and value, or {0, -1}.
  std::pair<size_t, int32_t> longest_at(std::string_view text, size_t pos) const;
  // Whether some pattern starts with this byte (a quick test before longest_at).
  bool may_start(unsigned char byte) const { return first_byte_[byte]; }

 private:
  struct Node {
    std::vector<std::pair<unsigned char, int32_t>> children;
    int32_t value = -1;
  };
  std::vector<Node> nodes_{Node{}};
  bool first_byte_[256] = {};
};

}  // namespace coil::tok
