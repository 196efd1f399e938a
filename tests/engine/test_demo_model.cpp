// The bundled demo model (resources/models/coil-demo, trained by tools/train_demo.py) answers
// through our engine, tokenizer and chat template, decoding as its generation_config.json says
// (greedy), exact match after trimming, the cases of its eval.jsonl:
//   single  held-out questions asked alone                                  >= 90%
//   multi   the same held-out questions after 1-5 earlier turns             >= 95%
//   chip    each suggestion chip of ui/EmptyState.qml, alone and after turns  all right
#include <gtest/gtest.h>

#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "coil/chat_session.hpp"
#include "coil/model.hpp"
#include "paths.hpp"

namespace coil {
namespace {

namespace fs = std::filesystem;

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  return s;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The chip texts the app shows: the qsTr("...") strings of the list after the
// "demo-model-chips" comment (tools/train_demo.py reads the same).
std::vector<std::string> app_chips() {
  const std::string qml = read_file(fs::path(COIL_SOURCE_DIR) / "ui" / "EmptyState.qml");
  const auto at = qml.find("demo-model-chips");
  if (at == std::string::npos) return {};
  const auto open = qml.find('[', at), close = qml.find(']', open);
  if (open == std::string::npos || close == std::string::npos) return {};
  const std::string list = qml.substr(open, close - open);
  static const std::regex chip(R"re(qsTr\("((?:[^"\\]|\\.)*)"\))re");
  std::vector<std::string> out;
  for (std::sregex_iterator it(list.begin(), list.end(), chip), end; it != end; ++it)
    out.push_back((*it)[1]);
  return out;
}

struct Score {
  int right = 0, total = 0;
  std::string wrong;  // the first misses, for the failure message
  double accuracy() const { return total ? double(right) / total : 0; }
  std::string text() const {
    std::ostringstream o;
    o << right << "/" << total << " = " << std::fixed << std::setprecision(1) << 100 * accuracy()
      << "%";
    return o.str();
  }
};

TEST(DemoModel, AnswersHeldOutQuestionsAloneAndAfterEarlierTurnsAndEveryChip) {
  const auto dir = fs::path(COIL_SOURCE_DIR) / "resources" / "models" / "coil-demo";
  ModelOptions o;
  o.backend = "cpu";
  auto model = Model::open(dir, o);
  auto tok = Tokenizer::load(dir);
  const auto cfg = ChatConfig::load(dir);
  // the demo is meant to be decoded greedily, and says so
  ASSERT_EQ(cfg.do_sample, false) << dir / "generation_config.json";
  GenerateOptions g;
  g.sampling = cfg.sampling();
  ASSERT_EQ(g.sampling.temperature, 0.0f);
  ASSERT_EQ(g.sampling.repetition_penalty, 1.0f);
  g.max_tokens = static_cast<int>(cfg.max_new_tokens.value_or(48));

  std::ifstream eval(dir / "eval.jsonl");
  ASSERT_TRUE(eval) << "missing " << dir / "eval.jsonl";
  std::map<std::string, Score> sets;
  std::set<std::string> chips_alone;  // chip questions asked as the first message
  std::string line;
  while (std::getline(eval, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    std::vector<ChatMessage> msgs;
    for (const auto& m : j["messages"]) msgs.push_back({m["role"], m["content"]});
    ASSERT_FALSE(msgs.empty());
    const std::string set = j.value("set", "single");
    if (set == "chip" && msgs.size() == 1) chips_alone.insert(msgs.back().content);
    ChatSession chat(*model, *tok, cfg);
    const auto r = chat.reply(msgs, g, {});
    const std::string want = j["answer"].get<std::string>();
    const bool ok = trim(r.text) == trim(want);
    Score& s = sets[set];
    ++s.total;
    s.right += ok;
    if (!ok && s.wrong.size() < 2000)
      s.wrong += "[" + std::to_string(msgs.size()) + " messages] " + msgs.back().content + " -> " +
                 r.text + " (want " + want + ")\n";
  }
  for (const auto& [name, s] : sets) {
    RecordProperty(name + "_accuracy", std::to_string(s.accuracy()));
    std::cout << "demo model (Coil engine), " << name << ": " << s.text() << "\n";
  }
  const Score& single = sets["single"];
  const Score& multi = sets["multi"];
  const Score& chip = sets["chip"];
  ASSERT_GE(single.total, 50);
  ASSERT_GE(multi.total, 50);
  EXPECT_GE(single.accuracy(), 0.90) << single.wrong;
  EXPECT_GE(multi.accuracy(), 0.95) << multi.wrong;

  // the app's chips are exactly what the model was checked on, and it answers all of them
  const auto chips = app_chips();
  ASSERT_FALSE(chips.empty()) << "no chips found after 'demo-model-chips' in ui/EmptyState.qml";
  for (const auto& c : chips)
    EXPECT_TRUE(chips_alone.contains(c))
        << "the chip \"" << c << "\" is not in eval.jsonl: retrain with tools/train_demo.py";
  EXPECT_EQ(chips_alone.size(), chips.size());
  EXPECT_GT(chip.total, int(chips.size()));  // also asked after earlier turns
  EXPECT_EQ(chip.right, chip.total) << chip.wrong;
}

}  // namespace
}  // namespace coil
