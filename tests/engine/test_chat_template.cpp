// Chat templates: ChatML, the shapes of well-known Hugging Face templates, whitespace control,
// statements and error messages. Expected renders were checked against Hugging Face's renderer
// (Python Jinja2 3.1 with trim_blocks and lstrip_blocks).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "coil/chat.hpp"
#include "coil/error.hpp"

namespace coil {
namespace {

using nlohmann::ordered_json;

const std::vector<ChatMessage> kChat = {
    {"system", "You are helpful."},
    {"user", "  Hello there  "},
    {"assistant", "Hi! How can I help?"},
    {"user", "Tell me a joke."},
};
const std::vector<ChatMessage> kNoSystem(kChat.begin() + 1, kChat.end());
const std::vector<ChatMessage> kTwoUsers = {{"user", "a"}, {"user", "b"}};

std::string render(const std::string& source, const std::vector<ChatMessage>& messages,
                   bool add_generation_prompt) {
  return ChatTemplate(source).render(messages, add_generation_prompt, "<s>", "</s>");
}

// The message of the coil::Error that compiling or rendering `source` throws; "" if none.
std::string error_of(const std::string& source, const std::vector<ChatMessage>& messages = kChat) {
  try {
    ChatTemplate(source).render(messages, true, "<s>", "</s>");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// ---- ChatML ----

TEST(ChatTemplate, ChatMLIsExact) {
  const auto chatml = ChatTemplate::chatml();
  std::string expected;
  for (const auto& m : kChat)
    expected += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  EXPECT_EQ(chatml.render(kChat, false), expected);
  EXPECT_EQ(chatml.render(kChat, true), expected + "<|im_start|>assistant\n");
  EXPECT_EQ(chatml.render({}, true), "<|im_start|>assistant\n");
  EXPECT_EQ(chatml.render({}, false), "");
}

TEST(ChatTemplate, ChatMLKeepsContentVerbatim) {
  // Message text is data, never template code; newlines and odd bytes pass through.
  const std::vector<ChatMessage> tricky = {
      {"user", "{{ 1 + 1 }} {% if %} {# x #}\n\n  ünïcödé 😀 \t<|im_end|>"}};
  EXPECT_EQ(
      ChatTemplate::chatml().render(tricky, false),
      "<|im_start|>user\n{{ 1 + 1 }} {% if %} {# x #}\n\n  ünïcödé 😀 \t<|im_end|><|im_end|>\n");
}

TEST(ChatTemplate, ProvidesTheStandardVariables) {
  const ChatTemplate t(
      "{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ messages | length }}|"
      "{{ messages[0].role }}:{{ messages[0]['content'] }}");
  EXPECT_EQ(t.render({{"user", "hi"}}, true, "<s>", "</s>"), "<s>|</s>|True|1|user:hi");
  EXPECT_EQ(t.render({{"user", "hi"}}, false), "||False|1|user:hi");
}

TEST(ChatTemplate, KeepsItsSourceAndMoves) {
  ChatTemplate a("{{ 'x' }}");
  EXPECT_EQ(a.source(), "{{ 'x' }}");
  ChatTemplate b = std::move(a);
  EXPECT_EQ(b.render({}, false), "x");
  a = ChatTemplate::chatml();
  EXPECT_EQ(a.render({}, true), "<|im_start|>assistant\n");
}

TEST(ChatTemplate, RenderWithRejectsNonObjects) {
  EXPECT_THROW(ChatTemplate("x").render_with(ordered_json::array()), Error);
}

// ---- real-world template shapes ----

constexpr const char* kZephyr = R"jinja({% for message in messages %}
{% if message['role'] == 'user' %}
{{ '<|user|>
' + message['content'] + eos_token }}
{% elif message['role'] == 'system' %}
{{ '<|system|>
' + message['content'] + eos_token }}
{% elif message['role'] == 'assistant' %}
{{ '<|assistant|>
'  + message['content'] + eos_token }}
{% endif %}
{% if loop.last and add_generation_prompt %}
{{ '<|assistant|>' }}
{% endif %}
{% endfor %})jinja";

TEST(ChatTemplate, ZephyrStyle) {
  EXPECT_EQ(render(kZephyr, kChat, true),
            "<|system|>\nYou are helpful.</s>\n<|user|>\n  Hello there  </s>\n<|assistant|>\n"
            "Hi! How can I help?</s>\n<|user|>\nTell me a joke.</s>\n<|assistant|>\n");
  EXPECT_EQ(render(kZephyr, kChat, false),
            "<|system|>\nYou are helpful.</s>\n<|user|>\n  Hello there  </s>\n<|assistant|>\n"
            "Hi! How can I help?</s>\n<|user|>\nTell me a joke.</s>\n");
  EXPECT_EQ(render(kZephyr, {}, true), "");
}

constexpr const char* kLlama2 =
    R"jinja({% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %})jinja";

TEST(ChatTemplate, Llama2StyleWithSystemMessage) {
  EXPECT_EQ(render(kLlama2, kChat, true),
            "<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\n  Hello there [/INST] Hi! How can I "
            "help? </s><s>[INST] Tell me a joke. [/INST]");
  EXPECT_EQ(
      render(kLlama2, kNoSystem, false),
      "<s>[INST] Hello there [/INST] Hi! How can I help? </s><s>[INST] Tell me a joke. [/INST]");
}

TEST(ChatTemplate, Llama2StyleRaisesOnWrongRoleOrder) {
  EXPECT_EQ(error_of(kLlama2, kTwoUsers),
            "Conversation roles must alternate user/assistant/user/assistant/...");
  EXPECT_EQ(error_of(kLlama2, {{"assistant", "first"}}),
            "Conversation roles must alternate user/assistant/user/assistant/...");
  // An empty chat has no messages[0]: an error, as in Jinja.
  EXPECT_EQ(error_of(kLlama2, {}), "chat template: list index 0 out of range at line 1, column 7");
}

constexpr const char* kChatMLLoopLast =
    R"jinja({% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content']}}{% if (loop.last and add_generation_prompt) or not loop.last %}{{ '<|im_end|>' + '\n'}}{% endif %}{% endfor %}{% if add_generation_prompt and messages[-1]['role'] != 'assistant' %}{{ '<|im_start|>assistant\n' }}{% endif %})jinja";

TEST(ChatTemplate, ChatMLWithLoopLastAndGenerationPrompt) {
  EXPECT_EQ(render(kChatMLLoopLast, kChat, true),
            "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n  Hello there  "
            "<|im_end|>\n<|im_start|>assistant\nHi! How can I help?<|im_end|>\n<|im_start|>user\n"
            "Tell me a joke.<|im_end|>\n<|im_start|>assistant\n");
  // Without the prompt the last message stays open, for continuing it.
  EXPECT_EQ(render(kChatMLLoopLast, kNoSystem, false),
            "<|im_start|>user\n  Hello there  <|im_end|>\n<|im_start|>assistant\nHi! How can I "
            "help?<|im_end|>\n<|im_start|>user\nTell me a joke.");
}

constexpr const char* kNamespace = R"jinja({%- set ns = namespace(found=false) -%}
{%- for message in messages -%}
    {%- if message['role'] == 'system' -%}
        {%- set ns.found = true -%}
    {%- endif -%}
{%- endfor -%}
{%- if not ns.found -%}
    {{- '<|im_start|>system\n' + 'You are a helpful assistant.' + '<|im_end|>\n' -}}
{%- endif %}
{%- for message in messages %}
    {%- if message['role'] == 'system' -%}
        {{- '<|im_start|>system\n' + message['content'] + '<|im_end|>\n' -}}
    {%- else -%}
        {%- if message['role'] == 'user' -%}
            {{-'<|im_start|>user\n' + message['content'] + '<|im_end|>\n'-}}
        {%- else -%}
            {{-'<|im_start|>assistant\n' + message['content'] + '<|im_end|>\n' -}}
        {%- endif -%}
    {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{-'<|im_start|>assistant\n'-}}
{%- endif -%}
)jinja";

TEST(ChatTemplate, NamespaceFoundFlag) {
  EXPECT_EQ(render(kNamespace, kChat, true),
            "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n  Hello there  "
            "<|im_end|>\n<|im_start|>assistant\nHi! How can I help?<|im_end|>\n<|im_start|>user\n"
            "Tell me a joke.<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(render(kNamespace, kNoSystem, false),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n  Hello "
            "there  <|im_end|>\n<|im_start|>assistant\nHi! How can I help?<|im_end|>\n"
            "<|im_start|>user\nTell me a joke.<|im_end|>\n");
}

constexpr const char* kGemma =
    R"jinja({{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %})jinja";

TEST(ChatTemplate, GemmaStyle) {
  EXPECT_EQ(render(kGemma, kNoSystem, true),
            "<s><start_of_turn>user\nHello there<end_of_turn>\n<start_of_turn>model\nHi! How can I "
            "help?<end_of_turn>\n<start_of_turn>user\nTell me a joke.<end_of_turn>\n"
            "<start_of_turn>model\n");
  EXPECT_EQ(error_of(kGemma, kChat), "System role not supported");
}

constexpr const char* kLlama3 =
    R"jinja({% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %})jinja";

TEST(ChatTemplate, Llama3Style) {
  EXPECT_EQ(render(kLlama3, kChat, true),
            "<s><|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHello there<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nHi! How can I help?<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nTell me a joke.<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

constexpr const char* kMistral = R"jinja({%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {%- if message['role'] == 'user' %}
        {%- if loop.first and system_message is defined %}
            {{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}
        {%- else %}
            {{- ' [INST] ' + message['content'] + ' [/INST]' }}
        {%- endif %}
    {%- elif message['role'] == 'assistant' %}
        {{- ' ' + message['content'] + eos_token}}
    {%- else %}
        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
    {%- endif %}
{%- endfor %}
)jinja";

TEST(ChatTemplate, MistralStyleMultiLine) {
  EXPECT_EQ(render(kMistral, kChat, true),
            "<s> [INST] You are helpful.\n\n  Hello there   [/INST] Hi! How can I help?</s> [INST] "
            "Tell me a joke. [/INST]");
  EXPECT_EQ(render(kMistral, kNoSystem, true),
            "<s> [INST]   Hello there   [/INST] Hi! How can I help?</s> [INST] Tell me a joke. "
            "[/INST]");
  EXPECT_EQ(error_of(kMistral, kTwoUsers),
            "After the optional system message, conversation roles must alternate "
            "user/assistant/user/assistant/...");
}

// Written for people: one tag per line, indented; trim_blocks and lstrip_blocks make the
// tags vanish with their lines.
constexpr const char* kIndented = R"jinja({# A template written for people. #}
{% for message in messages %}
    {% if message.role == 'system' %}
        [SYS] {{ message.content }}
    {% elif message.role == 'user' %}
        [USER] {{ message.content | trim }}
    {% else %}
        [BOT] {{ message.content }}
    {% endif %}
{% endfor %}
{% if add_generation_prompt %}
    [BOT]
{% endif %}
)jinja";

TEST(ChatTemplate, IndentedTemplateWithTrimAndLstripBlocks) {
  EXPECT_EQ(render(kIndented, kChat, true),
            "        [SYS] You are helpful.\n        [USER] Hello there\n        [BOT] Hi! How can "
            "I help?\n        [USER] Tell me a joke.\n    [BOT]\n");
  EXPECT_EQ(render(kIndented, kTwoUsers, false), "        [USER] a\n        [USER] b\n");
}

// ---- whitespace control and statements (tables checked against Jinja2) ----

struct Case {
  const char* source;
  const char* expected;
};

void check_all(const std::vector<Case>& cases) {
  const auto vars = ordered_json::parse(R"({
    "messages": [{"role": "system", "content": "You are helpful."},
                 {"role": "user", "content": "  Hello there  "},
                 {"role": "assistant", "content": "Hi! How can I help?"},
                 {"role": "user", "content": "Tell me a joke."}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>",
    "x": 5, "s": "Hello World", "n": null, "l": [3, 1, 2], "d": {"b": 2, "a": 1}})");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.source);
    try {
      EXPECT_EQ(ChatTemplate(c.source).render_with(vars), c.expected);
    } catch (const Error& e) {
      ADD_FAILURE() << "threw: " << e.what();
    }
  }
}

TEST(ChatTemplate, WhitespaceControl) {
  check_all({
      {"{%- for x in [1, 2] -%}\n  {{ x }}\n{%- endfor %}\nend", "12end"},
      {"{% for x in [1, 2] %}\n  {{ x }}\n{% endfor %}\nend", "  1\n  2\nend"},
      {"{% for x in [1, 2] +%}\n  {{ x }}\n{% endfor %}\nend", "\n  1\n\n  2\nend"},
      {"  {%+ if true %}x{% endif %}\n", "  x"},
      {"a\n  {% if true %}\n  b\n  {% endif %}\nc\n", "a\n  b\nc"},
      {"a  {{- ' b ' -}}  c", "a b c"},
      {"a\n\n  {#- comment -#}  \n\nb", "ab"},
      {"  {# c #}\nx", "x"},
      {"{{ 'x' }}\n{{ 'y' }}\n", "x\ny"},
      {"line1\r\nline2\r\n{% if true %}\r\nyes\r\n{% endif %}\r\n", "line1\nline2\nyes\n"},
      {"two trailing newlines\n\n", "two trailing newlines\n"},
      {"{% if true %}  \n x{% endif %}", "  \n x"},
      {"  {% if true %}   x{% endif %}", "   x"},
      {"x  {% if true %}y{% endif %}", "x  y"},
      {"\t{% set v = 1 %}\n{{ v }}", "1"},
      {"{% raw %}\n{{ kept }}{% endraw %}\n.", "\n{{ kept }}."},
      {"{% raw -%}\n  {{ kept }}  {%- endraw %}.", "{{ kept }}."},
      {"{{ 1 }}{# c #}\n{{ 2 }}", "12"},
  });
}

TEST(ChatTemplate, Statements) {
  check_all({
      {"{% for x in [1, 2, 3] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ "
       "loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
       "1032TrueFalse3;2121FalseFalse3;3210FalseTrue3;"},
      {"{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }}-{{ loop.cycle('a', 'b') "
       "}};{% endfor %}",
       "-2-a;1-3-b;2--a;"},
      {"{% for x in [] %}a{% else %}empty{% endfor %}", "empty"},
      {"{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{{ loop.index }}{{ loop.length }};{% endfor "
       "%}",
       "212;422;"},
      {"{% for x in [1, 2, 3, 4] %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}", "12"},
      {"{% for x in [1, 2, 3, 4] %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}{% endfor %}",
       "134"},
      {"{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }};{% endfor %}", "3;7;"},
      {"{% for c in 'héllo' %}[{{ c }}]{% endfor %}", "[h][é][l][l][o]"},
      {"{% for k in d %}{{ k }}{% endfor %}", "ba"},
      {"{% for i in range(2) %}{% for j in range(2) %}{{ loop.index }}{% endfor %}{{ loop.index "
       "}};{% endfor %}",
       "121;122;"},
      {"{% for m in messages %}{{ loop.index }}:{{ m.role }}{% if not loop.last %}, {% endif %}{% "
       "endfor %}",
       "1:system, 2:user, 3:assistant, 4:user"},
      {"{% for m in messages | selectattr('role', 'equalto', 'user') %}{{ m.content }};{% endfor "
       "%}",
       "  Hello there  ;Tell me a joke.;"},
      {"{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}", "231"},
      {"{% for m in messages %}{% set content = m.content %}{% endfor %}{{ content is defined }}",
       "False"},
      {"{% set ns = namespace(x=1) %}{% for i in [1, 2] %}{% set ns.x = ns.x + i %}{% endfor %}{{ "
       "ns.x }}",
       "4"},
      {"{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12"},
      {"{% set t %}inner {{ 1 + 1 }}{% endset %}[{{ t }}]", "[inner 2]"},
      {"{% if false %}a{% elif 0 %}b{% elif 'x' %}c{% else %}d{% endif %}", "c"},
      {"{% if false %}a{% else %}d{% endif %}", "d"},
      {"{% macro greet(name, punct='!') %}Hello {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') "
       "}} {{ greet('Bob', '?') }} {{ greet(punct='.', name='Cy') }}",
       "Hello Ann! Hello Bob? Hello Cy."},
      {"{% set who = 'top' %}{% macro m() %}{{ who }}{% endmacro %}{% for who in ['loop'] %}{{ m() "
       "}}{% endfor %}",
       "top"},
      {"{% raw %}{{ not evaluated }}{% endraw %}", "{{ not evaluated }}"},
      {"a {# comment #} b", "a  b"},
      // {% generation %} is Hugging Face's marker of assistant text: it renders its body.
      {"{% for m in messages %}{% generation %}[{{ m.role }}]{% endgeneration %}{% endfor %}",
       "[system][user][assistant][user]"},
  });
}

// ---- errors ----

TEST(ChatTemplate, SyntaxErrorsGiveLineAndColumn) {
  const std::vector<Case> cases = {
      {"{% for x in y %}", "unclosed '{% for %}' (missing '{% endfor %}') at line 1, column 1"},
      {"a\n  {% if x %}\n{% endfor %}",
       "unexpected 'endfor' (the innermost open block needs 'endif') at line 3, column 4"},
      {"{{ 1 + }}", "expected an expression but found '}}' at line 1, column 8"},
      {"hello\n{{ x", "unclosed '{{' (missing '}}') at line 2, column 1"},
      {"{% if x %}", "unclosed '{% if %}' (missing '{% endif %}') at line 1, column 1"},
      {"{% if %}", "expected an expression but found '%}' at line 1, column 7"},
      {"{% endif %}", "unexpected 'endif' at line 1, column 4"},
      {"{% foo %}", "unknown tag 'foo' at line 1, column 4"},
      {"{% include 'x.jinja' %}", "unsupported tag 'include' at line 1, column 4"},
      {"{{ 'abc }}", "unterminated string at line 1, column 4"},
      {"{{ x | nofilter }}", "unknown filter 'nofilter' at line 1, column 8"},
      {"{{ x is notatest }}", "unknown test 'notatest' at line 1, column 9"},
      {"{% break %}", "'break' outside a for loop at line 1, column 4"},
      {"{# open", "unclosed comment at line 1, column 1"},
      {"line1\n  {{ 1 +* 2 }}", "expected an expression but found '*' at line 2, column 9"},
      {"{{ (1, 2 }}", "unexpected '}', expected ')' at line 1, column 10"},
      {"{{ [1, 2 }}", "unexpected '}', expected ']' at line 1, column 10"},
      {"{{ {'a' 1} }}", "expected ':' but found '1' at line 1, column 9"},
      {"{{ x @ y }}", "unexpected character '@' at line 1, column 6"},
      {"ünï\n\tcödé {{ @ }}", "unexpected character '@' at line 2, column 10"},  // code points
      {"{% set %}", "expected a variable name but found '%}' at line 1, column 8"},
      {"{% set ns.a %}x{% endset %}", "expected '=' but found '%}' at line 1, column 13"},
      {"{% for x in y %}{% else %}{% else %}{% endfor %}",
       "unexpected 'else' (the innermost open block needs 'endfor') at line 1, column 30"},
      {"{% raw %}abc", "missing '{% endraw %}' for this '{% raw %}' at line 1, column 1"},
      {"{{ f(a=1, 2) }}", "positional argument after keyword argument at line 1, column 11"},
      {"{{ '\\xZZ' }}", "invalid \\x escape at line 1, column 5"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.source);
    try {
      ChatTemplate t(c.source);
      ADD_FAILURE() << "compiled";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), std::string("chat template: ") + c.expected);
    }
  }
}

TEST(ChatTemplate, RuntimeErrorsGiveLineAndColumn) {
  const std::vector<Case> cases = {
      {"{{ x.y }}", "'x' is undefined at line 1, column 4"},
      {"{{ messages[0].nope.deeper }}",
       "'dict' object has no attribute 'nope' at line 1, column 4"},
      {"line\n{{ 1 / 0 }}", "division by zero at line 2, column 6"},
      {"{% for m in messages %}\n  {{ m.content + 1 }}\n{% endfor %}",
       "unsupported operand types for +: 'str' and 'int' at line 2, column 16"},
      {"{{ foo() }}", "'foo' is undefined at line 1, column 4"},
      {"{{ 'a'.nope() }}", "'str' object has no method 'nope' at line 1, column 4"},
      {"{{ messages[0] + 1 }}",
       "unsupported operand types for +: 'dict' and 'int' at line 1, column 16"},
      {"{% set x = 1 %}{% set x.y = 2 %}",
       "cannot set attribute 'y' on a value of type 'int' (only namespace() objects take "
       "attributes) at line 1, column 16"},
      {"{{ [1, 'a'] | sort }}", "cannot order 'str' and 'int' at line 1, column 15"},
      {"{% for a, b in [1] %}{% endfor %}", "'int' object is not iterable at line 1, column 1"},
      {"{% for a, b in [[1, 2, 3]] %}{% endfor %}",
       "cannot unpack 3 values into 2 variables at line 1, column 1"},
      {"{{ x | tojson }}",
       "cannot convert an undefined value to JSON ('x' is undefined) at line 1, column 8"},
      {"{{ 'a' | replace('a') }}", "'replace' needs the argument 'new' at line 1, column 10"},
      {"{{ 'a' | trim(foo=1) }}",
       "unexpected keyword argument 'foo' to 'trim' at line 1, column 10"},
      {"{{ 'abc'[1:2:0] }}", "slice step cannot be zero at line 1, column 4"},
      {"{{ 5[1:] }}", "'int' object cannot be sliced at line 1, column 4"},
      {"{{ 2 ** 64 }}", "integer overflow at line 1, column 6"},
      {"{% macro f(a) %}{{ a }}{% endmacro %}{{ f(1, 2) }}",
       "macro 'f' takes 1 argument(s), got 2 at line 1, column 41"},
      {"{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
       "the template nests too deeply (statements, expressions and macro calls more than 256 "
       "levels deep) at line 1, column 19"},
      {"{{ range(100000000) | length }}",
       "list too long (more than 1048576 items) at line 1, column 4"},
      {"{{ 'x' * 100000000 }}", "string too long (more than 16777216 bytes) at line 1, column 8"},
      {"{% for i in range(10000) %}{{ 'x' * 10000 }}{% endfor %}",
       "the template's output is too large (more than 16777216 bytes) at line 1, column 28"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.source);
    EXPECT_EQ(error_of(c.source), std::string("chat template: ") + c.expected);
  }
}

TEST(ChatTemplate, RaiseExceptionGivesExactlyItsMessage) {
  EXPECT_EQ(error_of("{{ raise_exception('Only user and assistant roles are supported!') }}"),
            "Only user and assistant roles are supported!");
  EXPECT_EQ(error_of("line 1\n{% for m in messages %}{% if m.role == 'assistant' %}"
                     "{{ raise_exception('no ' ~ m.role ~ ' at ' ~ loop.index) }}"
                     "{% endif %}{% endfor %}"),
            "no assistant at 3");
  // Templates that raise on some chats compile and render the others.
  const ChatTemplate t(
      "{% if messages | length > 1 %}{{ raise_exception('one only') }}{% endif %}ok");
  EXPECT_EQ(t.render({{"user", "a"}}, false), "ok");
  EXPECT_THROW(t.render(kTwoUsers, false), Error);
}

// Templates come with downloaded models: whatever one holds, it fails with an error, never a
// crash, a hang or unbounded memory.
TEST(ChatTemplate, HostileTemplatesFailCleanly) {
  auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{{ " + repeat("(", 500) + "1" + repeat(")", 500) + " }}",
       "nested too deeply at line 1, column 37"},
      {"{{ 1" + repeat(" + 1", 1000) + " }}", "expression nested too deeply at line 1, column 802"},
      {"{{ x" + repeat(".a", 1000) + " }}", "expression nested too deeply at line 1, column 4"},
      {"{{ x" + repeat(" | trim", 1000) + " }}",
       "expression nested too deeply at line 1, column 1401"},
      {"{{ " + repeat("not ", 1000) + "x }}", "nested too deeply at line 1, column 400"},
      {repeat("{% if true %}", 200) + "x" + repeat("{% endif %}", 200),
       "nested too deeply at line 1, column 1268"},
      {"{% set ns = namespace(l=[]) %}{% for i in range(300) %}{% set ns.l = [ns.l] %}"
       "{% endfor %}",
       "lists and dicts nested too deeply at line 1, column 70"},
      {"{% set ns = namespace(s='x') %}{% for i in range(30) %}{% set ns.s = ns.s ~ ns.s %}"
       "{% endfor %}",
       "string too long (more than 16777216 bytes) at line 1, column 75"},
  };
  for (const auto& [source, expected] : cases) {
    SCOPED_TRACE(source.substr(0, 60));
    EXPECT_EQ(error_of(source), "chat template: " + expected);
  }
  // A namespace holding itself prints without recursing (and is freed after the render).
  EXPECT_EQ(
      ChatTemplate("{% set ns = namespace(a=1) %}{% set ns.me = [ns] %}{{ ns }}").render({}, false),
      "<Namespace {'a': 1, 'me': [<Namespace ...>]}>");
  const auto deep = ordered_json::parse(repeat("[", 250) + repeat("]", 250));
  try {
    ChatTemplate("{{ v }}").render_with({{"v", deep}});
    ADD_FAILURE() << "rendered";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "chat template: variable 'v': lists and dicts nested too deeply");
  }
}

}  // namespace
}  // namespace coil
