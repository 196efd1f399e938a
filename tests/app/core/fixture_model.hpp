// Chat-ready model folders for the app tests, built from the random-weight fixtures in
// tests/data/models: the fixture's config and weights plus a byte-level tokenizer.json
// whose 256 tokens are the 256 bytes (so any text encodes within the model's vocabulary).
// The answers are random bytes; the tests check plumbing, not prose.
#pragma once
#include <QString>

namespace coil::test {

// "falcon-tiny-f32" (vocab 256) or "falcon-tiny-bf16" (vocab 1000, another fingerprint).
// With noEos, config.json names no end-of-sequence id: answers run to the token limit.
QString makeFixtureModel(const QString& dir, const QString& fixture = "falcon-tiny-f32",
                         bool noEos = false);
// A byte-level tokenizer.json with `vocab` tokens (256 bytes, then filler tokens).
QByteArray byteTokenizerJson(int vocab = 256);

}  // namespace coil::test
