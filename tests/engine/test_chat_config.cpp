// ChatConfig: the chat template, special tokens, eos ids and default sampling a model folder
// declares, and clear errors for malformed files.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "coil/chat.hpp"
#include "coil/error.hpp"
#include "coil/gguf_writer.hpp"
#include "paths.hpp"

namespace coil {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << file;
}

// The message of the coil::Error ChatConfig::load throws; "" when it loads.
std::string load_error(const fs::path& dir) {
  try {
    ChatConfig::load(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ChatConfig, EmptyFolderGivesDefaultsAndChatML) {
  const auto dir = test::temp_dir();
  const ChatConfig c = ChatConfig::load(dir);
  EXPECT_FALSE(c.chat_template);
  EXPECT_EQ(c.bos_token, "");
  EXPECT_EQ(c.eos_token, "");
  EXPECT_FALSE(c.bos_token_id);
  EXPECT_TRUE(c.eos_token_ids.empty());
  EXPECT_FALSE(c.temperature);
  EXPECT_FALSE(c.top_p);
  EXPECT_FALSE(c.top_k);
  EXPECT_FALSE(c.repetition_penalty);
  EXPECT_FALSE(c.max_new_tokens);
  EXPECT_FALSE(c.do_sample);
  EXPECT_FALSE(c.min_p);
  const std::vector<ChatMessage> chat = {{"user", "hi"}};
  EXPECT_EQ(c.make_template().render(chat, true),
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatConfig, FalconMambaInstructLikeFolder) {
  const auto dir = test::temp_dir();
  write(dir / "tokenizer_config.json", R"({
    "add_prefix_space": false,
    "added_tokens_decoder": {"11": {"content": "<|endoftext|>", "special": true}},
    "bos_token": null,
    "chat_template": "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
    "clean_up_tokenization_spaces": true,
    "eos_token": "<|endoftext|>",
    "model_max_length": 1000000000000000019884624838656,
    "tokenizer_class": "PreTrainedTokenizerFast"
  })");
  write(
      dir / "generation_config.json",
      R"({"_from_model_config": true, "bos_token_id": 0, "eos_token_id": 11, "pad_token_id": 11, "transformers_version": "4.45.0"})");
  write(dir / "config.json",
        R"({"model_type": "falcon_mamba", "bos_token_id": 0, "eos_token_id": 11})");
  const ChatConfig c = ChatConfig::load(dir);
  ASSERT_TRUE(c.chat_template);
  EXPECT_EQ(c.eos_token, "<|endoftext|>");
  EXPECT_EQ(c.bos_token, "");
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{11});
  EXPECT_EQ(c.bos_token_id, 0);
  const std::vector<ChatMessage> chat = {{"user", "Hello"}};
  EXPECT_EQ(c.make_template().render(chat, true, c.bos_token, c.eos_token),
            "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatConfig, EosIdsAsAListAndSampling) {
  const auto dir = test::temp_dir();
  write(dir / "generation_config.json", R"({
    "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009, 128008],
    "do_sample": true, "temperature": 0.6, "top_p": 0.9, "top_k": 50.0,
    "repetition_penalty": 1.1, "max_new_tokens": 512})");
  write(dir / "config.json", R"({"bos_token_id": 1, "eos_token_id": 2})");
  const ChatConfig c = ChatConfig::load(dir);
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{128001, 128008, 128009}));  // duplicates dropped
  EXPECT_EQ(c.bos_token_id, 128000);  // generation_config.json wins over config.json
  EXPECT_DOUBLE_EQ(c.temperature.value(), 0.6);
  EXPECT_DOUBLE_EQ(c.top_p.value(), 0.9);
  EXPECT_EQ(c.top_k, 50);
  EXPECT_DOUBLE_EQ(c.repetition_penalty.value(), 1.1);
  EXPECT_EQ(c.max_new_tokens, 512);
}

TEST(ChatConfig, ConfigJsonIsTheFallbackForTokenIds) {
  const auto dir = test::temp_dir();
  write(dir / "generation_config.json", R"({"temperature": 1, "eos_token_id": null})");
  write(dir / "config.json", R"({"bos_token_id": 1, "eos_token_id": [2, 3]})");
  const ChatConfig c = ChatConfig::load(dir);
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(c.bos_token_id, 1);
  EXPECT_DOUBLE_EQ(c.temperature.value(), 1.0);
}

TEST(ChatConfig, SpecialTokensInAddedTokenForm) {
  const auto dir = test::temp_dir();
  write(dir / "tokenizer_config.json", R"({
    "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false},
    "eos_token": {"__type": "AddedToken", "content": "</s>", "lstrip": false}})");
  const ChatConfig c = ChatConfig::load(dir);
  EXPECT_EQ(c.bos_token, "<s>");
  EXPECT_EQ(c.eos_token, "</s>");
}

TEST(ChatConfig, ListFormChatTemplateTakesDefault) {
  const auto dir = test::temp_dir();
  write(dir / "tokenizer_config.json", R"({"chat_template": [
    {"name": "tool_use", "template": "tools"},
    {"name": "default", "template": "{{ bos_token }}default"},
    {"name": "rag", "template": "rag"}], "bos_token": "<s>"})");
  const ChatConfig c = ChatConfig::load(dir);
  ASSERT_TRUE(c.chat_template);
  EXPECT_EQ(*c.chat_template, "{{ bos_token }}default");
  EXPECT_EQ(c.make_template().render({}, true, c.bos_token), "<s>default");
}

TEST(ChatConfig, ListFormWithoutDefaultIsAnError) {
  const auto dir = test::temp_dir();
  write(
      dir / "tokenizer_config.json",
      R"({"chat_template": [{"name": "tool_use", "template": "a"}, {"name": "rag", "template": "b"}]})");
  EXPECT_EQ(load_error(dir), (dir / "tokenizer_config.json").string() +
                                 ": 'chat_template' has no template named \"default\" (it has: "
                                 "tool_use, rag)");
}

TEST(ChatConfig, ChatTemplateFilesTakePrecedence) {
  const auto dir = test::temp_dir();
  write(dir / "tokenizer_config.json", R"({"chat_template": "from tokenizer_config"})");
  write(dir / "chat_template.json", R"({"chat_template": "from chat_template.json"})");
  EXPECT_EQ(ChatConfig::load(dir).chat_template, "from chat_template.json");
  write(dir / "chat_template.jinja", "from chat_template.jinja\n");
  EXPECT_EQ(ChatConfig::load(dir).chat_template, "from chat_template.jinja\n");
}

TEST(ChatConfig, MalformedJsonNamesTheFile) {
  for (const char* name :
       {"tokenizer_config.json", "generation_config.json", "config.json", "chat_template.json"}) {
    SCOPED_TRACE(name);
    const auto dir = test::temp_dir();
    write(dir / name, R"({"eos_token_id": 2,)");
    const std::string error = load_error(dir);
    EXPECT_EQ(error.rfind((dir / name).string() + ": invalid JSON: ", 0), 0u) << error;
  }
  const auto dir = test::temp_dir();
  write(dir / "generation_config.json", "[1, 2]");
  EXPECT_EQ(load_error(dir),
            (dir / "generation_config.json").string() + ": must hold a JSON object, not array");
  const auto empty = test::temp_dir();
  write(empty / "config.json", "");
  EXPECT_NE(load_error(empty).find("config.json: invalid JSON"), std::string::npos);
}

TEST(ChatConfig, WrongTypesNameTheFileAndTheField) {
  struct Case {
    const char* file;
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {"tokenizer_config.json", R"({"chat_template": 5})",
       "'chat_template' must be a string or a list of {\"name\", \"template\"}, got number"},
      {"tokenizer_config.json", R"({"chat_template": [{"name": "default"}]})",
       "each 'chat_template' entry must be {\"name\": string, \"template\": string}, got "
       "{\"name\":\"default\"}"},
      {"tokenizer_config.json", R"({"eos_token": 2})",
       "'eos_token' must be a string or an object with a string \"content\", got 2"},
      {"tokenizer_config.json", R"({"bos_token": {"text": "<s>"}})",
       "'bos_token' must be a string or an object with a string \"content\", got "
       "{\"text\":\"<s>\"}"},
      {"generation_config.json", R"({"eos_token_id": "</s>"})",
       "'eos_token_id' must be a token id (an integer >= 0) or a list of them, got \"</s>\""},
      {"generation_config.json", R"({"eos_token_id": [1, 2.5]})",
       "'eos_token_id' must be a token id (an integer >= 0) or a list of them, got 2.5"},
      {"generation_config.json", R"({"eos_token_id": -1})",
       "'eos_token_id' must be a token id (an integer >= 0) or a list of them, got -1"},
      {"generation_config.json", R"({"bos_token_id": true})",
       "'bos_token_id' must be a token id (an integer >= 0), got true"},
      {"generation_config.json", R"({"temperature": "hot"})",
       "'temperature' must be a number, got \"hot\""},
      {"generation_config.json", R"({"top_k": 0.5})", "'top_k' must be an integer, got 0.5"},
      {"generation_config.json", R"({"max_new_tokens": [1]})",
       "'max_new_tokens' must be an integer, got [1]"},
      {"generation_config.json", R"({"do_sample": "no"})",
       "'do_sample' must be true or false, got \"no\""},
      {"generation_config.json", R"({"temperature": -0.5})",
       "'temperature' must be between 0 and 1000000, got -0.5"},
      {"generation_config.json", R"({"top_p": 1.5})", "'top_p' must be between 0 and 1, got 1.5"},
      {"generation_config.json", R"({"min_p": -1})", "'min_p' must be between 0 and 1, got -1"},
      {"generation_config.json", R"({"top_k": -3})",
       "'top_k' must be between 0 and 2147483647, got -3"},
      {"generation_config.json", R"({"repetition_penalty": 0})",
       "'repetition_penalty' must be between 0.001 and 1000, got 0"},
      {"generation_config.json", R"({"max_new_tokens": 0})",
       "'max_new_tokens' must be between 1 and 2147483647, got 0"},
      {"config.json", R"({"eos_token_id": {"id": 2}})",
       "'eos_token_id' must be a token id (an integer >= 0) or a list of them, got {\"id\":2}"},
      {"chat_template.json", R"({"chat_template": ["a"]})", "'chat_template' must be a string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    const auto dir = test::temp_dir();
    write(dir / c.file, c.json);
    EXPECT_EQ(load_error(dir), (dir / c.file).string() + ": " + c.message);
  }
}

// generation_config.json's sampling, as transformers reads it: "do_sample": false is greedy.
TEST(ChatConfig, DoSampleFalseIsGreedyWithoutARepetitionPenalty) {
  const auto dir = test::temp_dir();
  write(dir / "generation_config.json",
        R"({"do_sample": false, "temperature": 0.7, "top_k": 5, "max_new_tokens": 64})");
  const ChatConfig c = ChatConfig::load(dir);
  EXPECT_EQ(c.do_sample, false);
  const SamplingParams base;  // Coil's own defaults sample at 0.8 with a 1.1 penalty
  ASSERT_GT(base.temperature, 0);
  ASSERT_NE(base.repetition_penalty, 1.0f);
  const SamplingParams p = c.sampling(base);
  EXPECT_EQ(p.temperature, 0.0f);  // greedy, whatever temperature the file also gives
  EXPECT_EQ(p.repetition_penalty, 1.0f);
  EXPECT_EQ(c.max_new_tokens, 64);

  write(dir / "generation_config.json", R"({"do_sample": false, "repetition_penalty": 1.3})");
  EXPECT_FLOAT_EQ(ChatConfig::load(dir).sampling().repetition_penalty, 1.3f);
  EXPECT_EQ(ChatConfig::load(dir).sampling().temperature, 0.0f);
}

TEST(ChatConfig, SamplingSettingsReplaceTheBaseOnes) {
  const auto dir = test::temp_dir();
  write(dir / "generation_config.json",
        R"({"do_sample": true, "temperature": 0.6, "top_k": 20, "top_p": 0.9, "min_p": 0.1,
            "repetition_penalty": 1.05})");
  SamplingParams base;
  base.seed = 42;
  const SamplingParams p = ChatConfig::load(dir).sampling(base);
  EXPECT_FLOAT_EQ(p.temperature, 0.6f);
  EXPECT_EQ(p.top_k, 20);
  EXPECT_FLOAT_EQ(p.top_p, 0.9f);
  EXPECT_FLOAT_EQ(p.min_p, 0.1f);
  EXPECT_FLOAT_EQ(p.repetition_penalty, 1.05f);
  EXPECT_EQ(p.seed, 42u);

  // no do_sample: the file's settings still apply, the rest stays the base's (sampling)
  write(dir / "generation_config.json", R"({"temperature": 0.3})");
  const SamplingParams q = ChatConfig::load(dir).sampling(base);
  EXPECT_FLOAT_EQ(q.temperature, 0.3f);
  EXPECT_EQ(q.top_k, base.top_k);
  EXPECT_EQ(q.repetition_penalty, base.repetition_penalty);

  // no file at all: the base unchanged
  const SamplingParams r = ChatConfig::load(test::temp_dir()).sampling(base);
  EXPECT_EQ(r.temperature, base.temperature);
  EXPECT_EQ(r.top_p, base.top_p);
  EXPECT_EQ(r.repetition_penalty, base.repetition_penalty);
}

// A GGUF file's general.sampling.* defaults: greedy as coil quantize writes it for a folder
// that says "do_sample": false, and a nonsense value refused with the key.
TEST(ChatConfig, GgufSamplingDefaults) {
  const auto file = test::temp_dir() / "m.gguf";
  GgufWriter w;
  w.set_string("general.architecture", "mamba");
  w.set_f32("general.sampling.temp", 0.0f);
  w.set_f32("general.sampling.penalty_repeat", 1.0f);
  w.write(file);
  const SamplingParams p = ChatConfig::load(file).sampling();
  EXPECT_EQ(p.temperature, 0.0f);
  EXPECT_EQ(p.repetition_penalty, 1.0f);

  GgufWriter bad;
  bad.set_string("general.architecture", "mamba");
  bad.set_f32("general.sampling.penalty_repeat", 0.0f);
  bad.write(file);
  EXPECT_EQ(
      load_error(file),
      file.string() + ": 'general.sampling.penalty_repeat' must be between 0.001 and 1000, got 0");
}

TEST(ChatConfig, ADirectoryWhereAFileShouldBeIsAnError) {
  const auto dir = test::temp_dir();
  fs::create_directory(dir / "generation_config.json");
  EXPECT_EQ(load_error(dir),
            (dir / "generation_config.json").string() + ": is a directory, not a file");
}

TEST(ChatConfig, BrokenTemplateFailsWhenMadeWithItsPosition) {
  const auto dir = test::temp_dir();
  write(dir / "tokenizer_config.json",
        R"({"chat_template": "{% for m in messages %}\n{{ m.content }"})");
  const ChatConfig c = ChatConfig::load(dir);  // loading only reads the text
  try {
    c.make_template();
    ADD_FAILURE() << "compiled";
  } catch (const Error& e) {
    // The error names the file the template came from.
    EXPECT_EQ(e.what(), (dir / "tokenizer_config.json").string() +
                            ": chat template: unclosed '{{' (missing '}}') at line 2, column 1");
  }
}

}  // namespace
}  // namespace coil
