// Hostile chat templates (issue 13): templates come with downloaded models. Each test is a
// template that once read out of bounds, trapped, overflowed the stack, hung or exhausted
// memory; now it renders as Python's Jinja would, or fails with a coil::Error naming the
// limit it hit (limits.hpp).
#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <vector>

#include "coil/chat.hpp"
#include "coil/error.hpp"
#include "coil/limits.hpp"
#include "sanitizers.hpp"

namespace coil {
namespace {

#define EXPECT_HAS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

std::string render(const std::string& source) {
  return ChatTemplate(source, "/m/tokenizer_config.json").render({{"user", "hi"}}, true);
}

// The coil::Error rendering `source` throws.
std::string render_error(const std::string& source) {
  try {
    render(source);
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "/m/tokenizer_config.json");  // names the file the template came from
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a coil::Error: " << e.what();
    return {};
  }
  ADD_FAILURE() << "rendered: " << source.substr(0, 200);
  return {};
}

constexpr const char* kMin = "(-9223372036854775807 - 1)";

// ---- Memory safety (class 1) -----------------------------------------------------------

TEST(HostileTemplate, SlicesWithExtremeStepsStayInBounds) {
  EXPECT_EQ(render("{{ 'abc'[::9223372036854775807] }}"), "a");
  EXPECT_EQ(render(std::string("{{ [1, 2, 3][::") + kMin + "] }}"), "[3]");
  EXPECT_EQ(render(std::string("{{ 'abcd'[") + kMin + ":9223372036854775807:3] }}"), "ad");
  EXPECT_EQ(render("{{ 'abcd'[9223372036854775807:0:-9223372036854775807] }}"), "d");
  EXPECT_EQ(render(std::string("{{ 'abc'[") + kMin + ":" + kMin + ":-1] }}"), "");
  EXPECT_EQ(render("{{ 'h\xC3\xA9llo'[::-2] }}"), "olh");
}

TEST(HostileTemplate, IntFilterParsesLikePython) {
  // '_1' once made the filter read the byte before the string.
  EXPECT_EQ(render("{{ '_1' | int }} {{ '1_000' | int }} {{ '1__0' | int }} {{ '-_1' | int }}"),
            "0 1000 0 0");
  EXPECT_EQ(render("{{ '1_' | int(7) }} {{ ' +42 ' | int }} {{ '99999999999999999999' | int }}"),
            "7 42 0");
  EXPECT_EQ(render("{{ 1e300 | int }} {{ -9.3e18 | int }} {{ 9.2e18 | int }}"),
            "0 0 9200000000000000000");
}

// ---- Arithmetic that used to kill the process (class 2) ------------------------------------

TEST(HostileTemplate, IntegerEdgeCasesAreErrorsOrPythonResults) {
  EXPECT_HAS(render_error(std::string("{{ ") + kMin + " // -1 }}"), "integer overflow");
  EXPECT_EQ(render(std::string("{{ ") + kMin + " % -1 }}"), "0");
  EXPECT_EQ(render("{{ -7 // 2 }} {{ -7 % 2 }} {{ 7 // -1 }}"), "-4 1 -7");
  EXPECT_EQ(render("{{ (-1) ** 9223372036854775807 }} {{ 2 ** 62 }} {{ 0 ** 0 }}"),
            "-1 4611686018427387904 1");
  EXPECT_HAS(render_error("{{ 2 ** 63 }}"), "integer overflow");
  EXPECT_HAS(render_error("{{ 3 ** 1000000000000 }}"), "integer overflow");
  EXPECT_HAS(render_error(std::string("{{ -") + kMin + " }}"), "integer overflow");
  EXPECT_HAS(render_error(std::string("{{ ") + kMin + " | abs }}"), "integer overflow");
}

TEST(HostileTemplate, RangeNeverOverflows) {
  EXPECT_EQ(render(std::string("{{ range(") + kMin +
                   ", 9223372036854775807, 9223372036854775807) | list }}"),
            "[-9223372036854775808, -1, 9223372036854775806]");
  EXPECT_EQ(render("{{ range(9223372036854775806, 9223372036854775807) | list }}"),
            "[9223372036854775806]");
  EXPECT_HAS(render_error("{{ range(9223372036854775807) | length }}"), "list too long");
}

TEST(HostileTemplate, RoundOfHugeValues) {
  EXPECT_EQ(render("{{ 1e300 | round }} {{ 2.5 | round }} {{ 1e308 | round(300) }}"),
            "1e+300 2.0 1e+308");
  EXPECT_HAS(render_error("{{ 9223372036854775807 | round(-1) }}"), "integer overflow");
  EXPECT_EQ(render("{{ 1234 | round(-2) }} {{ 2.675 | round(2) }}"), "1200 2.67");
}

// ---- Stack (class 3) -------------------------------------------------------------------

TEST(HostileTemplate, RecursionIsBoundedByOneDepthForEverything) {
  EXPECT_HAS(render_error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
             "nests too deeply");
  // Macros x nested blocks x expressions: the limits once multiplied into megabytes of stack.
  std::string blocks, ends;
  for (int i = 0; i < 25; ++i) {
    blocks += "{% if true %}";
    ends += "{% endif %}";
  }
  std::string expr = "n";
  for (int i = 0; i < 20; ++i) expr = "(" + expr + " + 0)";
  const std::string t =
      "{% macro f(n) %}" + blocks + "{{ f(" + expr + ") }}" + ends + "{% endmacro %}{{ f(0) }}";
  EXPECT_HAS(render_error(t), "nests too deeply");
  EXPECT_HAS(render_error("{{ " + std::string(500, '(') + "1" + std::string(500, ')') + " }}"),
             "nested too deeply");
}

TEST(HostileTemplate, DeepestRenderFitsInOneMiBOfStack) {
  // Every kind of recursion the limits allow, at their edge, on a thread with a 1 MiB stack
  // (more under AddressSanitizer, whose frames are larger): macro calls through 40 nested
  // blocks until the depth limit, with a 99-deep list walked by tojson and == at each level;
  // a 199-deep chain of + (evaluated recursively); the deepest parse (parentheses up to the
  // parser's nesting limit).
  std::string blocks, ends;
  for (int i = 0; i < 20; ++i) {
    blocks += "{% for x in [1] %}{% if x %}";
    ends += "{% endif %}{% endfor %}";
  }
  std::string sum = "1";
  for (int i = 0; i < 198; ++i) sum += " + 1";
  struct Case {
    std::string source, expected;  // expected: the error, or the output when it renders
  };
  const std::vector<Case> cases = {
      {"{% set ns = namespace(v=1) %}{% for i in range(99) %}{% set ns.v = [ns.v] %}{% endfor %}"
       "{% macro f(n) %}" +
           blocks + "{{ f(n + (ns.v | tojson | length) + (ns.v == ns.v) | int) }}" + ends +
           "{% endmacro %}{{ f(0) }}",
       "nests too deeply"},
      {"{{ " + sum + " }}", "199"},
      {"{{ " + std::string(32, '(') + "1" + std::string(32, ')') + " }}", "1"},
      {"{{ " + std::string(34, '(') + "1" + std::string(34, ')') + " }}", "nested too deeply"},
  };
  for (const Case& c : cases) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, test::kAddressSanitizer ? (16u << 20) : (1u << 20));
    pthread_t thread;
    struct Job {
      const std::string* source;
      std::string result;
    } job{&c.source, {}};
    ASSERT_EQ(pthread_create(
                  &thread, &attr,
                  [](void* p) -> void* {
                    auto* j = static_cast<Job*>(p);
                    try {
                      j->result = render(*j->source);
                    } catch (const Error& e) {
                      j->result = e.what();
                    }
                    return nullptr;
                  },
                  &job),
              0);
    pthread_join(thread, nullptr);  // a stack overflow would have killed the process
    pthread_attr_destroy(&attr);
    EXPECT_HAS(job.result, c.expected);
  }
}

// ---- Work and memory from tiny templates (class 4) ----------------------------------------

TEST(HostileTemplate, NestedLoopsCountEveryIteration) {
  const std::string msg = render_error(
      "{% for a in range(1000000) %}{% for b in range(1000000) %}{% endfor %}{% endfor %}");
  EXPECT_HAS(msg, "too much work");
  EXPECT_HAS(msg, "at line 1, column");
}

TEST(HostileTemplate, BuiltStringsAndOutputAreBounded) {
  EXPECT_HAS(render_error("{{ (['x' * 10000000] * 100) | join }}"), "string too long");
  EXPECT_HAS(render_error("{{ ('a' * 1000000).replace('a', 'b' * 1000) }}"), "string too long");
  EXPECT_HAS(render_error("{{ ('\\n' * 1000000) | indent('x' * 1000, blank=true) }}"),
             "string too long");
  EXPECT_HAS(render_error("{{ ('x' * 1000000).join(['a'] * 1000) }}"), "string too long");
  EXPECT_HAS(render_error("{{ 'x' * 100000000 }}"), "string too long");
  EXPECT_HAS(render_error("{{ ['x' * 10000000] * 1000000 }}"), "string too long");  // its repr
  EXPECT_HAS(render_error("{{ (['x' * 10000000] * 1000000) | tojson }}"), "string too long");
  EXPECT_HAS(render_error("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}"),
             "output is too large");
}

TEST(HostileTemplate, UniqueIsLinearAndSumIsBounded) {
  EXPECT_EQ(render("{{ range(200000) | unique | list | length }}"), "200000");
  EXPECT_EQ(render("{{ [1, 1.0, true, 'a', 'A', (1, 2), (1, 2)] | unique | list }}"),
            "[1, 'a', (1, 2)]");
  EXPECT_HAS(render_error("{{ [[1], [1]] | unique | list }}"), "unhashable type: 'list'");
  EXPECT_HAS(render_error("{{ ([[1] * 1000] * 100000) | sum(start=[]) | length }}"), "too");
}

TEST(HostileTemplate, AttributePathsWithHugeNumbersAreNotExceptions) {
  // std::stoll once threw std::out_of_range out of the template engine.
  EXPECT_EQ(render("{{ [[1]] | map(attribute='99999999999999999999') | list }}"), "[Undefined]");
  EXPECT_EQ(render("{{ [[7, 8]] | map(attribute='1') | list }}"), "[8]");
}

TEST(HostileTemplate, SourceSizeAndLongLinesAreBounded) {
  try {
    ChatTemplate(std::string(limits::kTemplateSourceBytes + 1, 'x'), "/m/chat_template.jinja");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "/m/chat_template.jinja: chat template is too large");
  }
  // One line of 100000 tags: positions were once recounted from the line's start per token.
  std::string line;
  for (int i = 0; i < 100000; ++i) line += "{{ 1 }}";
  EXPECT_EQ(render(line).size(), 100000u);
  EXPECT_HAS(render_error(line + "{{ x.y }}"), "column 700004");
}

}  // namespace
}  // namespace coil
