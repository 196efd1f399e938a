// Splits a template into text and the tokens inside {{ }} and {% %} tags, dropping {# #}
// comments and applying whitespace control as Hugging Face renders templates: trim_blocks
// and lstrip_blocks on, '-' and '+' markers, one trailing newline of the source dropped.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace coil::jinja {

struct Pos {
  int line = 1;
  int column = 1;
};

enum class Tok {
  Text,        // literal output between tags
  VarBegin,    // {{
  VarEnd,      // }}
  BlockBegin,  // {%
  BlockEnd,    // %}
  Name,
  String,  // text holds the decoded value
  Int,
  Float,
  Op,  // text holds the operator: + - * / // % ** ~ == != < <= > >= = . , : | ( ) [ ] { }
  Eof,
};

struct Token {
  Tok kind = Tok::Eof;
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;
  Pos pos;
};

// Throws coil::Error "chat template: <reason> at line L, column C".
[[noreturn]] void syntax_error(const std::string& reason, Pos pos);

// The tokens of `source`, ending with Eof. Throws coil::Error on a lexical error.
std::vector<Token> tokenize(std::string_view source);

// How a token reads in an error message: "'endfor'", "string 'abc'", "end of template".
std::string describe(const Token& token);

}  // namespace coil::jinja
