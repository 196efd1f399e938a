// SentencePiece models (tokenizer.model) through libsentencepiece, on small models trained
// by the test itself with the library's trainer: encoding equals the library's, decoding
// (whole and streamed) equals the library's, including the first piece's leading space.
#include <gtest/gtest.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fstream>
#include <string>
#include <vector>

#include "coil/error.hpp"
#include "coil/tokenizer.hpp"
#include "paths.hpp"

namespace coil {
namespace {

namespace fs = std::filesystem;

// A small corpus: English, some Cyrillic and CJK, digits and punctuation.
std::string corpus() {
  const std::vector<std::string> lines = {
      "The quick brown fox jumps over the lazy dog.",
      "A recurrent state holds the whole conversation in a fixed size.",
      "Hello world, hello again; the model answers at once.",
      "Mamba models read one token at a time and remember everything in their state.",
      "Numbers like 1234 and 56.78 appear in text, as do dates: 2024-05-01.",
      "Привет, как дела? Всё хорошо, спасибо.",
      "今天天气很好，我们一起去公园散步吧。",
      "She sells sea shells by the sea shore; the shells she sells are sea shells.",
      "To be, or not to be, that is the question.",
      "Streaming decoders must never split a character in two."};
  std::string text;
  for (int rep = 0; rep < 30; ++rep)
    for (size_t i = 0; i < lines.size(); ++i) text += lines[(i + rep) % lines.size()] + "\n";
  return text;
}

// Trains a model with the library's trainer into a fresh folder as tokenizer.model.
fs::path train(const std::string& model_type, int vocab_size, bool byte_fallback) {
  const fs::path dir = test::temp_dir();
  const fs::path input = dir / "corpus.txt";
  std::ofstream(input) << corpus();
  const std::string args =
      "--input=" + input.string() + " --model_prefix=" + (dir / "m").string() +
      " --model_type=" + model_type + " --vocab_size=" + std::to_string(vocab_size) +
      " --character_coverage=1.0 --byte_fallback=" + (byte_fallback ? "true" : "false") +
      " --minloglevel=2";
  const auto status = sentencepiece::SentencePieceTrainer::Train(args);
  EXPECT_TRUE(status.ok()) << status.ToString();
  fs::rename(dir / "m.model", dir / "tokenizer.model");
  return dir;
}

const std::vector<std::string>& samples() {
  static const std::vector<std::string> s = {
      "Hello world",
      "The lazy dog sleeps.",
      "answers at once, 1234 times",
      "Привет, мир",
      "今天很好",
      "emoji \xF0\x9F\x98\x80 and rare \xE9\xBE\x98 characters",  // not in the corpus
      "x",
      "",
  };
  return s;
}

std::string stream_decode(const Tokenizer& tok, const std::vector<int32_t>& ids) {
  StreamingDecoder stream(tok);
  std::string out;
  for (int32_t id : ids) out += stream.push(id);
  return out + stream.flush();
}

class SentencePieceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = train(GetParam(), 400, /*byte_fallback=*/true);
    tok_ = Tokenizer::load(dir_);  // the folder: finds tokenizer.model
    ASSERT_TRUE(sp_.Load((dir_ / "tokenizer.model").string()).ok());
  }
  fs::path dir_;
  std::unique_ptr<Tokenizer> tok_;
  sentencepiece::SentencePieceProcessor sp_;
};

TEST_P(SentencePieceTest, EncodeAndDecodeMatchTheLibrary) {
  EXPECT_EQ(tok_->vocab_size(), sp_.GetPieceSize());
  for (const std::string& text : samples()) {
    const auto ids = tok_->encode(text);
    const auto expected = sp_.EncodeAsIds(text);
    EXPECT_EQ(ids, std::vector<int32_t>(expected.begin(), expected.end())) << text;
    const std::string decoded = tok_->decode(ids, /*skip_special=*/true);
    EXPECT_EQ(decoded, sp_.DecodeIds(expected)) << text;
    EXPECT_EQ(decoded, text);  // byte fallback: nothing is lost
    EXPECT_EQ(stream_decode(*tok_, ids), decoded) << text;
  }
}

TEST_P(SentencePieceTest, StreamingKeepsTheFirstPieceRule) {
  const int32_t bos = sp_.bos_id();
  for (const std::string text : {"Hello world", "the lazy dog", "answers"}) {
    const auto ids = tok_->encode(text);
    ASSERT_FALSE(ids.empty());
    // The first piece carries the dummy-prefix space ("▁")...
    EXPECT_EQ(tok_->token_bytes(ids[0])[0], ' ') << text;
    // ...which the first visible streamed text drops, as decode() does.
    StreamingDecoder stream(*tok_);
    std::string first;
    for (size_t i = 0; i < ids.size() && first.empty(); ++i) first = stream.push(ids[i]);
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(first[0], text[0]) << text;
    // An invisible control piece before it changes nothing.
    std::vector<int32_t> with_bos{bos};
    with_bos.insert(with_bos.end(), ids.begin(), ids.end());
    EXPECT_EQ(tok_->decode(with_bos, true), text);
    EXPECT_EQ(stream_decode(*tok_, with_bos), text);
  }
}

TEST_P(SentencePieceTest, ByteFallbackPiecesStreamWholeCharacters) {
  const std::string text = "\xF0\x9F\x98\x80\xE9\xBE\x98";  // emoji and a rare CJK character
  const auto ids = tok_->encode(text);
  ASSERT_GE(ids.size(), 7u);  // spelled byte by byte
  StreamingDecoder stream(*tok_);
  std::vector<std::string> pieces;
  for (int32_t id : ids) {
    const std::string p = stream.push(id);
    if (!p.empty()) pieces.push_back(p);
  }
  EXPECT_EQ(stream.flush(), "");
  std::string joined;
  for (const auto& p : pieces) joined += p;
  EXPECT_EQ(joined, tok_->decode(ids));
  EXPECT_EQ(joined, text);
  // Every piece is whole characters: the emoji alone, then the CJK character alone.
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0], "\xF0\x9F\x98\x80");
  EXPECT_EQ(pieces[1], "\xE9\xBE\x98");
}

TEST_P(SentencePieceTest, ControlPieces) {
  const int32_t bos = sp_.bos_id(), eos = sp_.eos_id();
  EXPECT_TRUE(tok_->is_special(bos));
  EXPECT_TRUE(tok_->is_special(eos));
  EXPECT_FALSE(tok_->is_special(tok_->encode("Hello")[0]));
  EXPECT_EQ(tok_->token_to_id("</s>"), eos);
  EXPECT_EQ(tok_->id_to_token(bos), "<s>");
  EXPECT_FALSE(tok_->token_to_id("no such piece"));
  const auto parsed = tok_->encode("<s>Hello</s>", /*parse_special=*/true);
  ASSERT_GE(parsed.size(), 3u);
  EXPECT_EQ(parsed.front(), bos);
  EXPECT_EQ(parsed.back(), eos);
  for (int32_t id : tok_->encode("<s>Hello</s>", false)) EXPECT_FALSE(tok_->is_special(id));
  EXPECT_EQ(tok_->decode(parsed, /*skip_special=*/true), "Hello");
  // Shown, "<s>" is the first text, so "▁Hello" keeps its space (as Hugging Face's
  // Llama-style decoders do).
  EXPECT_EQ(tok_->decode(parsed, /*skip_special=*/false), "<s> Hello</s>");
  // Unknown ids contribute nothing.
  EXPECT_EQ(tok_->decode(std::vector<int32_t>{-1, 100000}), "");
}

TEST_P(SentencePieceTest, LoadsTheFileDirectly) {
  const auto tok = Tokenizer::load(dir_ / "tokenizer.model");
  EXPECT_EQ(tok->encode("Hello world"), tok_->encode("Hello world"));
}

INSTANTIATE_TEST_SUITE_P(ModelTypes, SentencePieceTest, ::testing::Values("bpe", "unigram"));

TEST(SentencePiece, WithoutByteFallbackUnknownsDecodeLikeTheLibrary) {
  const fs::path dir = train("unigram", 120, /*byte_fallback=*/false);
  const auto tok = Tokenizer::load(dir / "tokenizer.model");
  sentencepiece::SentencePieceProcessor sp;
  ASSERT_TRUE(sp.Load((dir / "tokenizer.model").string()).ok());
  for (const std::string& text : samples()) {
    const auto ids = tok->encode(text);
    const auto expected = sp.EncodeAsIds(text);
    EXPECT_EQ(ids, std::vector<int32_t>(expected.begin(), expected.end()));
    EXPECT_EQ(tok->decode(ids, true), sp.DecodeIds(expected)) << text;
    EXPECT_EQ(stream_decode(*tok, ids), tok->decode(ids, true)) << text;
  }
}

}  // namespace
}  // namespace coil
