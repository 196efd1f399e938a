#include "tokenizer/trie.hpp"

#include <algorithm>

namespace coil::tok {

void TokenTrie::insert(std::string_view pattern, int32_t value) {
  if (pattern.empty()) return;
  first_byte_[static_cast<unsigned char>(pattern[0])] = true;
  int32_t node = 0;
  for (unsigned char c : pattern) {
    auto& kids = nodes_[node].children;
    const auto it = std::find_if(kids.begin(), kids.end(), [c](auto& k) { return k.first == c; });
    if (it != kids.end()) {
      node = it->second;
    } else {
      const auto next = static_cast<int32_t>(nodes_.size());
      kids.emplace_back(c, next);  // `kids` is not used after nodes_ grows below
      nodes_.emplace_back();
      node = next;
    }
  }
  if (nodes_[node].value < 0) nodes_[node].value = value;
}

std::pair<size_t, int32_t> TokenTrie::longest_at(std::string_view text, size_t pos) const {
  std::pair<size_t, int32_t> best{0, -1};
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto& kids = nodes_[node].children;
    const auto it = std::find_if(kids.begin(), kids.end(), [c](auto& k) { return k.first == c; });
    if (it == kids.end()) break;
    node = it->second;
    if (nodes_[node].value >= 0) best = {i + 1 - pos, nodes_[node].value};
  }
  return best;
}

}  // namespace coil::tok
