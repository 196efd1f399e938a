// The bundled demo model (resources/models/coil-demo, trained by tools/train_demo.py)
// answers held-out questions of its own distribution through our engine, tokenizer and
// chat template: greedy decoding, exact match after trimming, target >= 80%.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "coil/chat_session.hpp"
#include "coil/model.hpp"
#include "options.hpp"
#include "paths.hpp"

namespace coil {
namespace {

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  return s;
}

TEST(DemoModel, AnswersHeldOutQuestions) {
  const auto dir = std::filesystem::path(COIL_SOURCE_DIR) / "resources" / "models" / "coil-demo";
  ModelOptions o = test::options();
  o.backend = "cpu";
  auto model = Model::open(dir, o);
  auto tok = Tokenizer::load(dir);
  const auto cfg = ChatConfig::load(dir);
  std::ifstream eval(dir / "eval.jsonl");
  ASSERT_TRUE(eval) << "missing " << dir / "eval.jsonl";
  int total = 0, right = 0;
  std::string line, wrong;
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
    ++total;
    right += ok;
    if (!ok && wrong.size() < 2000)
      wrong += msgs.back().content + " -> " + r.text + " (want " + j["answer"].get<std::string>() +
               ")\n";
  }
  ASSERT_GE(total, 50);
  const double accuracy = double(right) / total;
  RecordProperty("accuracy", std::to_string(accuracy));
  std::cout << "demo model: " << right << "/" << total << " held-out answers right\n";
  EXPECT_GE(accuracy, 0.80) << wrong;
}

}  // namespace
}  // namespace coil
