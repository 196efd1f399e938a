// StreamingDecoder: token-by-token text that never splits a UTF-8 character, and whose
// pieces concatenate to exactly what Tokenizer::decode gives for the whole sequence.
#include "coil/tokenizer.hpp"
#include "coil/utf8.hpp"

namespace coil {

StreamingDecoder::StreamingDecoder(const Tokenizer& tok, bool skip_special)
    : tok_(tok), skip_special_(skip_special) {}

std::string StreamingDecoder::push(int32_t id) {
  const std::string bytes = tok_.piece_bytes(id, first_, skip_special_);
  if (bytes.empty()) return {};
  first_ = false;
  pending_ += bytes;
  std::string out;
  const size_t used = append_utf8_lossy(pending_, out, /*final=*/false);
  pending_.erase(0, used);
  return out;
}

std::string StreamingDecoder::flush() {
  std::string out;
  append_utf8_lossy(pending_, out, /*final=*/true);
  pending_.clear();
  return out;
}

void StreamingDecoder::reset() {
  first_ = true;
  pending_.clear();
}

}  // namespace coil
