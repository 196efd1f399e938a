// The bundled demo model (resources/models/coil-demo, trained by tools/train_demo.py)
// answers held-out questions of its own distribution through our engine, tokenizer and
// chat template: greedy decoding, exact match after trimming, target >= 80%; and again from
// GGUF files of its weights in 16 bits, Q8_0, Q4_K and Q4_0.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "coil/chat_session.hpp"
#include "coil/model.hpp"
#include "coil/quantize.hpp"
#include "paths.hpp"

namespace coil {
namespace {

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  return s;
}

struct Score {
  int total = 0, right = 0;
  std::string wrong;  // the first wrong answers, for a failure message
  double accuracy() const { return total ? double(right) / total : 0.0; }
};

const std::filesystem::path kDemo =
    std::filesystem::path(COIL_SOURCE_DIR) / "resources" / "models" / "coil-demo";

// Greedy answers of `model` (a folder or a .gguf file, with its own tokenizer and template)
// to the held-out questions of eval.jsonl, exact match after trimming.
Score score(const std::filesystem::path& model_path) {
  ModelOptions o;
  o.backend = "cpu";
  o.backend_options.threads = 1;  // a 0.6M-parameter model: threads only wait on each other
  auto model = Model::open(model_path, o);
  auto tok = Tokenizer::load(model_path);
  const auto cfg = ChatConfig::load(model_path);
  std::ifstream eval(kDemo / "eval.jsonl");
  EXPECT_TRUE(eval) << "missing " << kDemo / "eval.jsonl";
  Score s;
  std::string line;
  while (std::getline(eval, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    std::vector<ChatMessage> msgs;
    for (const auto& m : j["messages"]) msgs.push_back({m["role"], m["content"]});
    ChatSession chat(*model, *tok, cfg);
    GenerateOptions g;
    g.sampling.temperature = 0;
    g.max_tokens = 48;
    const auto r = chat.reply(msgs, g, {});
    const bool ok = trim(r.text) == trim(j["answer"].get<std::string>());
    ++s.total;
    s.right += ok;
    if (!ok && s.wrong.size() < 2000)
      s.wrong += msgs.back().content + " -> " + r.text + " (want " +
                 j["answer"].get<std::string>() + ")\n";
  }
  return s;
}

TEST(DemoModel, AnswersHeldOutQuestions) {
  const Score s = score(kDemo);
  ASSERT_GE(s.total, 50);
  RecordProperty("accuracy", std::to_string(s.accuracy()));
  std::cout << "demo model: " << s.right << "/" << s.total << " held-out answers right\n";
  EXPECT_GE(s.accuracy(), 0.80) << s.wrong;
}

// The same questions with the weights in a GGUF file (which also carries the tokenizer and
// the chat template): Q8_0 keeps the score of 16-bit weights within 2 points; Q4_K and Q4_0
// are measured and reported. (The demo's rows are 160 and 320 values, not whole 256-value
// blocks: its "Q4_K" file holds Q5_0 matrices, llama.cpp's fallback, as coil quantize says.)
TEST(DemoModel, QuantizedWeightsKeepTheScore) {
  std::map<std::string, Score> scores;
  for (const char* type : {"bf16", "q8_0", "q4_k", "q4_0"}) {
    const auto file = test::temp_dir() / (std::string(type) + ".gguf");
    QuantizeOptions q;
    q.type = parse_weight_type(type);
    quantize_model(kDemo, file, q);
    scores[type] = score(file);
    RecordProperty(std::string("accuracy_") + type, std::to_string(scores[type].accuracy()));
    std::cout << "demo model " << type << ": " << scores[type].right << "/" << scores[type].total
              << " held-out answers right\n";
  }
  ASSERT_GE(scores["bf16"].total, 50);
  EXPECT_GE(scores["bf16"].accuracy(), 0.80) << scores["bf16"].wrong;
  EXPECT_LE(std::fabs(scores["q8_0"].accuracy() - scores["bf16"].accuracy()), 0.02)
      << scores["q8_0"].wrong;
}

}  // namespace
}  // namespace coil
