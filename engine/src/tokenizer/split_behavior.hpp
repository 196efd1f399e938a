// How a pre-tokenizer turns the matches of its pattern into pieces (the `behavior` of a
// Hugging Face Split / Punctuation / Digits pre-tokenizer).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/regex.hpp"

namespace coil::tok {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Parses "Removed", "Isolated", ...; throws coil::Error naming `file` otherwise.
SplitBehavior parse_split_behavior(const std::string& name, const std::string& file);

// Splits `piece` at `matches` (sorted, non-overlapping byte ranges) according to `behavior`,
// appending the non-empty resulting pieces to `out`. With `invert`, the matches are the
// parts between the matches.
void split_piece(std::string_view piece, const std::vector<Match>& matches, SplitBehavior behavior,
                 bool invert, std::vector<std::string>& out);

}  // namespace coil::tok
