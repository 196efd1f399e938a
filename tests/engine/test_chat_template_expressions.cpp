// Expressions of chat templates: every operator, filter, test, method and global, each
// checked against the output of Hugging Face's renderer (Python Jinja2 3.1 with trim_blocks,
// lstrip_blocks and HF's tojson), which produced the expected strings below.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "coil/chat.hpp"
#include "coil/error.hpp"

namespace coil {
namespace {

struct Case {
  const char* source;
  const char* expected;
};

// The variables every case sees.
nlohmann::ordered_json variables() {
  return nlohmann::ordered_json::parse(R"({
    "messages": [{"role": "system", "content": "You are helpful."},
                 {"role": "user", "content": "  Hello there  "},
                 {"role": "assistant", "content": "Hi! How can I help?"},
                 {"role": "user", "content": "Tell me a joke."}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>",
    "x": 5, "s": "Hello World", "n": null, "l": [3, 1, 2], "d": {"b": 2, "a": 1}})");
}

void check_all(const std::vector<Case>& cases) {
  const auto vars = variables();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.source);
    try {
      EXPECT_EQ(ChatTemplate(c.source).render_with(vars), c.expected);
    } catch (const Error& e) {
      ADD_FAILURE() << "threw: " << e.what();
    }
  }
}

TEST(ChatTemplateExpressions, Arithmetic) {
  check_all({
      {"{{ 1 + 2 }}", "3"},
      {"{{ 7 - 10 }}", "-3"},
      {"{{ 2 * 3.5 }}", "7.0"},
      {"{{ 'ab' * 3 }}", "ababab"},
      {"{{ [1] * 2 }}", "[1, 1]"},
      {"{{ 7 / 2 }}", "3.5"},
      {"{{ 8 / 2 }}", "4.0"},
      {"{{ 7 // 2 }}", "3"},
      {"{{ -7 // 2 }}", "-4"},
      {"{{ 3.0 // 0.1 }}", "29.0"},
      {"{{ 7 % 3 }}", "1"},
      {"{{ -7 % 3 }}", "2"},
      {"{{ 7.5 % 2 }}", "1.5"},
      {"{{ 2 ** 10 }}", "1024"},
      {"{{ 2 ** -1 }}", "0.5"},
      {"{{ 2 ** 3 ** 2 }}", "64"},
      {"{{ -3 }}", "-3"},
      {"{{ +3 }}", "3"},
      {"{{ - 2 ** 2 }}", "4"},
      {"{{ (1 + 2) * 3 }}", "9"},
      {"{{ 1 + 2 * 3 }}", "7"},
      {"{{ 10 - 2 - 3 }}", "5"},
      {"{{ [1, 2] + [3] }}", "[1, 2, 3]"},
      {"{{ 'x' + 'y' }}", "xy"},
      {"{{ true + 1 }}", "2"},
      {"{{ 0.1 + 0.2 }}", "0.30000000000000004"},
  });
}

TEST(ChatTemplateExpressions, Concatenation) {
  check_all({
      {"{{ 'a' ~ 1 ~ none ~ true ~ 1.5 }}", "a1NoneTrue1.5"},
      {"{{ 'a' ~ undefined_name ~ 'b' }}", "ab"},
      {"{{ [1] ~ {'k': 'v'} }}", "[1]{'k': 'v'}"},
  });
}

TEST(ChatTemplateExpressions, Comparisons) {
  check_all({
      {"{{ 1 == 1.0 }}", "True"},
      {"{{ 1 != 2 }}", "True"},
      {"{{ 1 < 2 < 3 }}", "True"},
      {"{{ 3 > 2 > 2 }}", "False"},
      {"{{ 'a' < 'b' }}", "True"},
      {"{{ [1, 2] < [1, 3] }}", "True"},
      {"{{ 2 >= 2 }}", "True"},
      {"{{ 2 <= 1 }}", "False"},
      {"{{ 'a' == 'a' }}", "True"},
      {"{{ [1, 'a'] == [1, 'a'] }}", "True"},
      {"{{ {'a': 1} == {'a': 1} }}", "True"},
      {"{{ none == none }}", "True"},
      {"{{ none == false }}", "False"},
      {"{{ true == 1 }}", "True"},
  });
}

TEST(ChatTemplateExpressions, Membership) {
  check_all({
      {"{{ 'a' in 'cat' }}", "True"},
      {"{{ 2 in [1, 2] }}", "True"},
      {"{{ 'k' in {'k': 1} }}", "True"},
      {"{{ 'z' not in 'cat' }}", "True"},
      {"{{ 'role' in messages[0] }}", "True"},
      {"{{ 'tools' in messages[0] }}", "False"},
      {"{{ 'x' in undefined_name }}", "False"},
  });
}

TEST(ChatTemplateExpressions, LogicAndConditionals) {
  check_all({
      {"{{ not 1 }}", "False"},
      {"{{ not 0 }}", "True"},
      {"{{ 0 or 'x' }}", "x"},
      {"{{ 1 and 'y' }}", "y"},
      {"{{ '' and 'z' }}", ""},
      {"{{ none or [] }}", "[]"},
      {"{{ not x is defined }}", "False"},
      {"{{ 'yes' if 1 else 'no' }}", "yes"},
      {"{{ 'yes' if 0 else 'no' }}", "no"},
      {"{{ 'yes' if 0 }}!", "!"},
      {"{{ 1 if true else 2 if false else 3 }}", "1"},
      {"{{ 'a' if x is defined else 'b' }}", "a"},
  });
}

TEST(ChatTemplateExpressions, LiteralsAndPrinting) {
  check_all({
      {"{{ 1.0 }}", "1.0"},
      {"{{ 1e20 }}", "1e+20"},
      {"{{ 1.5e-7 }}", "1.5e-07"},
      {"{{ 1_000 }}", "1000"},
      {"{{ 123456789.0 }}", "123456789.0"},
      {"{{ 1e16 }}", "1e+16"},
      {"{{ 1e15 }}", "1000000000000000.0"},
      {"{{ 0.0001 }}", "0.0001"},
      {"{{ 0.00001 }}", "1e-05"},
      {"{{ -0.5 }}", "-0.5"},
      {"{{ [1, 'a', none, true, 2.5] }}", "[1, 'a', None, True, 2.5]"},
      {"{{ {'a': 1, 'b': [1, 'x']} }}", "{'a': 1, 'b': [1, 'x']}"},
      {"{{ none }}", "None"},
      {"{{ true }}", "True"},
      {"{{ False }}", "False"},
      {"{{ (1, 2) }}", "(1, 2)"},
      {"{{ (1,) }}", "(1,)"},
      {"{{ () }}", "()"},
      {"{{ \"it's\" }}", "it's"},
      {"{{ ['it\\'s'] }}", "[\"it's\"]"},
      {"{{ ['say \"hi\"', \"a'b\\\"c\"] }}", "['say \"hi\"', 'a\\'b\"c']"},
      {"{{ ['tab\\there'] }}", "['tab\\there']"},
      {"{{ 'a' 'b' }}", "ab"},
      {"{{ 'back\\\\slash' }}", "back\\slash"},
      {"{{ '\\x41\\u00e9\\101\\n' }}", "AéA\n"},
      {"{{ '\\d' }}", "\\d"},
      {"{{ undefined_name }}", ""},
  });
}

TEST(ChatTemplateExpressions, SubscriptsAndSlices) {
  check_all({
      {"{{ 'abcdef'[1:3] }}", "bc"},
      {"{{ 'abcdef'[::-1] }}", "fedcba"},
      {"{{ 'abcdef'[-2:] }}", "ef"},
      {"{{ [1,2,3,4][1::2] }}", "[2, 4]"},
      {"{{ [1,2,3][-1] }}", "3"},
      {"{{ [1,2,3][:-1] }}", "[1, 2]"},
      {"{{ 'héllo'[1] }}", "é"},
      {"{{ 'abc'[5:] }}", ""},
      {"{{ [1,2,3][10] is undefined }}", "True"},
      {"{{ (1, 'a')[1:] }}", "('a',)"},
      {"{{ {'a': {'b': 1}}['a']['b'] }}", "1"},
      {"{{ [[1, 2]][0][1] }}", "2"},
      {"{{ {'a': 1}.a }}", "1"},
      {"{{ messages[0].role }}", "system"},
      {"{{ messages[-1]['content'] }}", "Tell me a joke."},
      {"{{ messages[0].missing is defined }}", "False"},
      {"{{ l.0 }}", "3"},
  });
}

TEST(ChatTemplateExpressions, Filters) {
  check_all({
      {"{{ -3 | abs }}", "3"},
      {"{{ -2.5 | abs }}", "2.5"},
      {"{{ 'hELLO wORLD' | capitalize }}", "Hello world"},
      {"{{ 'abc' | count }}", "3"},
      {"{{ [1,2] | length }}", "2"},
      {"{{ {'a':1} | length }}", "1"},
      {"{{ 'héllo' | length }}", "5"},
      {"{{ undefined_name | length }}", "0"},
      {"{{ undefined_name | default('d') }}", "d"},
      {"{{ '' | default('d') }}", ""},
      {"{{ '' | default('d', true) }}", "d"},
      {"{{ none | d('n') }}", "None"},
      {"{{ 0 | default(5, boolean=true) }}", "5"},
      {"{{ undefined_name | default }}!", "!"},
      {"{{ '<a href=\"x\">&\\'</a>' | escape }}", "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;"},
      {"{{ '<b>' | e }}", "&lt;b&gt;"},
      {"{{ [3, 1, 2] | first }}", "3"},
      {"{{ 'xyz' | first }}", "x"},
      {"{{ [3, 1, 2] | last }}", "2"},
      {"{{ [] | first is undefined }}", "True"},
      {"{{ '3.5' | float }}", "3.5"},
      {"{{ 'x' | float }}", "0.0"},
      {"{{ 'x' | float(1.5) }}", "1.5"},
      {"{{ 2 | float }}", "2.0"},
      {"{{ '42' | int }}", "42"},
      {"{{ '42.9' | int }}", "42"},
      {"{{ 'x' | int }}", "0"},
      {"{{ 'x' | int(7) }}", "7"},
      {"{{ 3.99 | int }}", "3"},
      {"{{ -3.99 | int }}", "-3"},
      {"{{ true | int }}", "1"},
      {"{{ ' 12 ' | int }}", "12"},
      {"{{ 'a\\nb\\n\\nc' | indent }}", "a\n    b\n\n    c"},
      {"{{ 'a\\nb' | indent(2, true) }}", "  a\n  b"},
      {"{{ 'a\\n\\nb' | indent(2, blank=true) }}", "a\n  \n  b"},
      {"{{ 'a\\nb\\n' | indent(first=true) }}", "    a\n    b\n"},
      {"{{ 'a\\nb' | indent('> ') }}", "a\n> b"},
      {"{{ d | items | list }}", "[('b', 2), ('a', 1)]"},
      {"{{ [1, 2, 3] | join('-') }}", "1-2-3"},
      {"{{ [1, 2, 3] | join }}", "123"},
      {"{{ [{'n': 'a'}, {'n': 'b'}] | join(', ', attribute='n') }}", "a, b"},
      {"{{ 'abc' | list }}", "['a', 'b', 'c']"},
      {"{{ d | list }}", "['b', 'a']"},
      {"{{ 'ABC def' | lower }}", "abc def"},
      {"{{ ['a', 'b'] | map('upper') | list }}", "['A', 'B']"},
      {"{{ [1, 2] | map('string') | join('+') }}", "1+2"},
      {"{{ [{'n': 'a'}, {'m': 1}] | map(attribute='n') | list }}", "['a', Undefined]"},
      {"{{ [{'n': 'a'}, {'m': 1}] | map(attribute='n', default='?') | join }}", "a?"},
      {"{{ messages | map(attribute='role') | unique | list }}", "['system', 'user', 'assistant']"},
      {"{{ none | map('upper') | list }}", "[]"},
      {"{{ [3, 1, 2] | max }}", "3"},
      {"{{ [3, 1, 2] | min }}", "1"},
      {"{{ ['b', 'A', 'c'] | max }}", "c"},
      {"{{ ['b', 'A', 'c'] | min }}", "A"},
      {"{{ ['b', 'A', 'c'] | min(case_sensitive=true) }}", "A"},
      {"{{ [{'v': 2}, {'v': 5}] | max(attribute='v') }}", "{'v': 5}"},
      {"{{ [1, 2, 3, 4] | select('odd') | list }}", "[1, 3]"},
      {"{{ [1, 2, 3, 4] | reject('even') | list }}", "[1, 3]"},
      {"{{ [0, 1, '', 'a'] | select | list }}", "[1, 'a']"},
      {"{{ [1, 5, 10] | select('gt', 3) | list }}", "[5, 10]"},
      {"{{ [1, 5, 10] | select('>=', 5) | list }}", "[5, 10]"},
      {"{{ ['a', 1, 'b'] | select('string') | list }}", "['a', 'b']"},
      {"{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }}",
       "['  Hello there  ', 'Tell me a joke.']"},
      {"{{ messages | selectattr('role', '==', 'user') | list | length }}", "2"},
      {"{{ messages | rejectattr('role', 'eq', 'user') | list | length }}", "2"},
      {"{{ [{'a': 0}, {'a': 1}] | selectattr('a') | list }}", "[{'a': 1}]"},
      {"{{ [{'a': 0}, {'a': 1}] | rejectattr('a') | list }}", "[{'a': 0}]"},
      {"{{ messages | selectattr('role', 'in', ['system', 'assistant']) | list | length }}", "2"},
      {"{{ 'aaa' | replace('a', 'b') }}", "bbb"},
      {"{{ 'aaa' | replace('a', 'b', 2) }}", "bba"},
      {"{{ 'abc' | replace('', '-') }}", "-a-b-c-"},
      {"{{ [1, 2, 3] | reverse | list }}", "[3, 2, 1]"},
      {"{{ 'abc' | reverse }}", "cba"},
      {"{{ 2.5 | round }}", "2.0"},
      {"{{ 3.5 | round }}", "4.0"},
      {"{{ -2.5 | round }}", "-2.0"},
      {"{{ 2.675 | round(2) }}", "2.67"},
      {"{{ 1.23456 | round(3) }}", "1.235"},
      {"{{ 2.1 | round(method='ceil') }}", "3.0"},
      {"{{ 2.9 | round(0, 'floor') }}", "2.0"},
      {"{{ 7 | round }}", "7"},
      {"{{ 1234.5 | round(-2) }}", "1200.0"},
      {"{{ 'x' | safe }}", "x"},
      {"{{ [3, 1, 2] | sort }}", "[1, 2, 3]"},
      {"{{ [3, 1, 2] | sort(reverse=true) }}", "[3, 2, 1]"},
      {"{{ ['b', 'A', 'c'] | sort }}", "['A', 'b', 'c']"},
      {"{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}", "['A', 'b', 'c']"},
      {"{{ [{'v': 2}, {'v': 1}] | sort(attribute='v') }}", "[{'v': 1}, {'v': 2}]"},
      {"{{ 12 | string }}", "12"},
      {"{{ [1, 'a'] | string }}", "[1, 'a']"},
      {"{{ none | string }}", "None"},
      {"{{ [1, 2, 3] | sum }}", "6"},
      {"{{ [1, 2] | sum(start=10) }}", "13"},
      {"{{ [{'v': 2}, {'v': 1.5}] | sum(attribute='v') }}", "3.5"},
      {"{{ 'hello wORLD they\\'re 1st-class (ok)' | title }}",
       "Hello World They're 1st-Class (Ok)"},
      {"{{ '  a b \\n ' | trim }}", "a b"},
      {"{{ 'xxaxx' | trim('x') }}", "a"},
      {"{{ [1, 2, 1, 3, 2] | unique | list }}", "[1, 2, 3]"},
      {"{{ ['a', 'A', 'b'] | unique | list }}", "['a', 'b']"},
      {"{{ ['a', 'A', 'b'] | unique(case_sensitive=true) | list }}", "['a', 'A', 'b']"},
      {"{{ 'ABC def' | upper }}", "ABC DEF"},
      {"{{ 'one two  three' | wordcount }}", "3"},
      {"{{ {'b': 1, 'a': [1, 2.5, none, true, 'x\"y\\n']} | tojson }}",
       "{\"b\": 1, \"a\": [1, 2.5, null, true, \"x\\\"y\\n\"]}"},
      {"{{ {'b': 1, 'a': {}} | tojson(indent=2) }}", "{\n  \"b\": 1,\n  \"a\": {}\n}"},
      {"{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}", "{\"a\": 2, \"b\": 1}"},
      {"{{ 'héllo' | tojson }}", "\"héllo\""},
      {"{{ 'héllo😀' | tojson(ensure_ascii=true) }}", "\"h\\u00e9llo\\ud83d\\ude00\""},
      {"{{ [1, [2, []]] | tojson(indent=1) }}", "[\n 1,\n [\n  2,\n  []\n ]\n]"},
      {"{{ {'a': 1, 'b': 2} | tojson(separators=(',', ':')) }}", "{\"a\":1,\"b\":2}"},
      {"{{ 'a\\x01<' | tojson }}", "\"a\\u0001<\""},
      {"{{ messages[0] | tojson }}", "{\"role\": \"system\", \"content\": \"You are helpful.\"}"},
  });
}

TEST(ChatTemplateExpressions, Tests) {
  check_all({
      {"{{ x is defined }}", "True"},
      {"{{ undefined_name is defined }}", "False"},
      {"{{ undefined_name is undefined }}", "True"},
      {"{{ none is none }}", "True"},
      {"{{ 1 is none }}", "False"},
      {"{{ n is not none }}", "False"},
      {"{{ true is boolean }}", "True"},
      {"{{ 1 is boolean }}", "False"},
      {"{{ true is true }}", "True"},
      {"{{ 1 is true }}", "False"},
      {"{{ false is false }}", "True"},
      {"{{ 1 is integer }}", "True"},
      {"{{ 1.0 is integer }}", "False"},
      {"{{ true is integer }}", "False"},
      {"{{ 1.0 is float }}", "True"},
      {"{{ 1 is number }}", "True"},
      {"{{ 'a' is number }}", "False"},
      {"{{ 'a' is string }}", "True"},
      {"{{ 1 is string }}", "False"},
      {"{{ {} is mapping }}", "True"},
      {"{{ [] is mapping }}", "False"},
      {"{{ [] is iterable }}", "True"},
      {"{{ 'a' is iterable }}", "True"},
      {"{{ 1 is iterable }}", "False"},
      {"{{ 'a' is sequence }}", "True"},
      {"{{ {} is sequence }}", "True"},
      {"{{ 1 is sequence }}", "False"},
      {"{{ range is callable }}", "True"},
      {"{{ 'a' is callable }}", "False"},
      {"{{ none is sameas none }}", "True"},
      {"{{ true is sameas true }}", "True"},
      {"{{ 1 is sameas true }}", "False"},
      {"{{ 2 is in [1, 2] }}", "True"},
      {"{{ 'a' is in 'cat' }}", "True"},
      {"{{ 1 is eq 1 }}", "True"},
      {"{{ 1 is equalto 2 }}", "False"},
      {"{{ 1 is ne 2 }}", "True"},
      {"{{ 1 is lt 2 }}", "True"},
      {"{{ 2 is le 2 }}", "True"},
      {"{{ 3 is gt 2 }}", "True"},
      {"{{ 1 is ge 2 }}", "False"},
      {"{{ 1 is lessthan 2 }}", "True"},
      {"{{ 1 is greaterthan 2 }}", "False"},
      {"{{ 4 is even }}", "True"},
      {"{{ 4 is odd }}", "False"},
      {"{{ -3 is odd }}", "True"},
      {"{{ -1.5 is odd }}", "False"},
      {"{{ 9 is divisibleby 3 }}", "True"},
      {"{{ 9 is divisibleby(4) }}", "False"},
      {"{{ 'abc' is lower }}", "True"},
      {"{{ 'aBc' is lower }}", "False"},
      {"{{ 'ABC' is upper }}", "True"},
      {"{{ '123' is upper }}", "False"},
  });
}

TEST(ChatTemplateExpressions, Methods) {
  check_all({
      {"{{ '  a b  '.strip() }}", "a b"},
      {"{{ 'xxaxx'.strip('x') }}", "a"},
      {"{{ '  a '.lstrip() }}", "a "},
      {"{{ '  a  '.rstrip() }}", "  a"},
      {"{{ 'abc'.startswith('ab') }}", "True"},
      {"{{ 'abc'.startswith(('x', 'a')) }}", "True"},
      {"{{ 'abc'.endswith('bc') }}", "True"},
      {"{{ 'abc'.endswith('x') }}", "False"},
      {"{{ 'a b  c'.split() }}", "['a', 'b', 'c']"},
      {"{{ 'a,b,,c'.split(',') }}", "['a', 'b', '', 'c']"},
      {"{{ 'a,b,c'.split(',', 1) }}", "['a', 'b,c']"},
      {"{{ '  a b c  '.split(maxsplit=1) }}", "['a', 'b c  ']"},
      {"{{ 'abc'.upper() }}", "ABC"},
      {"{{ 'ABC'.lower() }}", "abc"},
      {"{{ \"they're 1st bIG\".title() }}", "They'Re 1St Big"},
      {"{{ 'hELLO'.capitalize() }}", "Hello"},
      {"{{ 'aaa'.replace('a', 'bb') }}", "bbbbbb"},
      {"{{ 'aaa'.replace('a', 'b', 1) }}", "baa"},
      {"{{ 'hello'.find('l') }}", "2"},
      {"{{ 'hello'.find('z') }}", "-1"},
      {"{{ 'hello'.count('l') }}", "2"},
      {"{{ '-'.join(['a', 'b']) }}", "a-b"},
      {"{{ d.items() | list }}", "[('b', 2), ('a', 1)]"},
      {"{{ d.keys() | list }}", "['b', 'a']"},
      {"{{ d.values() | list }}", "[2, 1]"},
      {"{{ d.get('a') }}", "1"},
      {"{{ d.get('z') }}", "None"},
      {"{{ d.get('z', 'fallback') }}", "fallback"},
      {"{{ messages[0].content.split(' ')[-1].upper() }}", "HELPFUL."},
      {"{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "b=2;a=1;"},
  });
}

TEST(ChatTemplateExpressions, Globals) {
  check_all({
      {"{{ range(3) | list }}", "[0, 1, 2]"},
      {"{{ range(1, 7, 2) | list }}", "[1, 3, 5]"},
      {"{{ range(3, 0, -1) | list }}", "[3, 2, 1]"},
      {"{{ dict(a=1, b='x') }}", "{'a': 1, 'b': 'x'}"},
      {"{{ namespace(a=1).a }}", "1"},
      {"{{ namespace({'a': 1}, b=2).b }}", "2"},
  });
}

TEST(ChatTemplateExpressions, PlainJsonVariablesComeWithSortedKeys) {
  const nlohmann::json vars = {{"d", {{"b", 1}, {"a", 2}}}};
  EXPECT_EQ(ChatTemplate("{{ d | tojson }}").render_with(vars), R"({"a": 2, "b": 1})");
}

TEST(ChatTemplateExpressions, StrftimeNowFormatsTheCurrentDate) {
  const std::string year = ChatTemplate("{{ strftime_now('%Y') }}").render_with(variables());
  ASSERT_EQ(year.size(), 4u);
  EXPECT_GE(std::stoi(year), 2024);
  EXPECT_EQ(ChatTemplate("{{ strftime_now('%%') }}").render_with(variables()), "%");
}

TEST(ChatTemplateExpressions, MessagesKeepExtraFieldsAndKeyOrder) {
  const auto vars = nlohmann::ordered_json::parse(
      R"({"messages": [{"role": "assistant", "content": "", "tool_calls": [{"name": "f", "arguments": {"z": 1, "a": [true, null]}}]}]})");
  EXPECT_EQ(ChatTemplate("{% for m in messages %}{% for c in m.tool_calls %}{{ c.name }}({{ "
                         "c.arguments | tojson }}){% endfor %}{% endfor %}")
                .render_with(vars),
            R"(f({"z": 1, "a": [true, null]}))");
}

}  // namespace
}  // namespace coil
