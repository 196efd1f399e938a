// The values a chat template computes with: Python-like none/bool/int/float/str/list/dict,
// plus Jinja's undefined, namespace() objects and callables (globals, macros, loop.cycle).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

// GCC 12 reports a false -Wrestrict in `"literal" + std::string&&` (GCC bug 105329), which
// error messages here do often.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace coil::jinja {

// A runtime error inside a template, without a position: the evaluator adds the position
// of the innermost expression or statement that failed.
class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// raise_exception('msg') in a template: surfaces to the caller with exactly that message.
class RaisedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Value;
class StringBuilder;  // budget.hpp
struct CallArgs;
using Function = std::function<Value(const CallArgs&)>;

class Value {
 public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Function };
  using List = std::vector<Value>;
  using Dict = std::vector<std::pair<std::string, Value>>;  // keeps insertion order

  Value() = default;  // undefined
  Value(bool b) : kind_(Kind::Bool), data_(b) {}
  Value(int i) : Value(static_cast<int64_t>(i)) {}
  Value(int64_t i) : kind_(Kind::Int), data_(i) {}
  Value(double d) : kind_(Kind::Float), data_(d) {}
  // Strings are shared, like Python's: copying a Value never copies its text. A new string
  // is charged to the render's budget (budget.hpp).
  Value(std::string s);
  Value(const char* s) : Value(std::string(s)) {}
  // Lists and dicts may nest at most kMaxDepth deep (TemplateError beyond), which bounds
  // the recursion of printing, comparing and converting them. A new list or dict is charged
  // to the render's budget, one step per item.
  static constexpr int kMaxDepth = 100;
  Value(List l);
  Value(Dict d);

  // `hint` says why it is undefined ("'foo' is undefined"), for error messages.
  static Value undefined(std::string hint);
  static Value none();
  static Value tuple(List items);  // a list that prints as (a, b)
  static Value make_namespace(Dict attributes);
  static Value function(Function f);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_tuple() const { return kind_ == Kind::List && tuple_; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_namespace() const { return kind_ == Kind::Namespace; }
  bool is_function() const { return kind_ == Kind::Function; }
  bool is_number() const {  // bool counts, as in Python
    return kind_ == Kind::Bool || kind_ == Kind::Int || kind_ == Kind::Float;
  }

  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const;   // bool or int
  double as_float() const;  // any number
  const std::string& as_string() const { return text(); }
  const List& as_list() const { return *std::get<std::shared_ptr<const List>>(data_); }
  const Dict& as_dict() const { return *std::get<std::shared_ptr<Dict>>(data_); }  // or namespace
  const Function& as_function() const { return *std::get<std::shared_ptr<const Function>>(data_); }
  const std::string& undefined_hint() const { return text(); }
  const void* identity() const;  // the shared object of a list/dict/namespace/function

  // Dict or namespace lookup; nullptr when absent.
  const Value* find(std::string_view key) const;
  // Namespace attribute assignment (namespaces are shared, like Python objects).
  void set_attribute(const std::string& key, Value v) const;
  // Empties a namespace, breaking the reference cycles a template may have made with it
  // (`set ns.self = ns`).
  void clear_namespace() const;

  bool truthy() const;
  std::string str() const;   // Python str(); undefined renders as ""
  std::string repr() const;  // Python repr()
  std::string type_name() const;

  // Throws TemplateError explaining why this value is undefined.
  [[noreturn]] void throw_undefined() const;

 private:
  using Text = std::shared_ptr<const std::string>;
  const std::string& text() const;  // of a string, or the hint of an undefined value

  // Namespaces inside a namespace print as <Namespace ...>: they can hold themselves.
  void repr(bool inside_namespace, StringBuilder& out) const;

  Kind kind_ = Kind::Undefined;
  bool tuple_ = false;
  uint8_t depth_ = 0;  // of list/dict nesting; a namespace counts 0 (it is printed shallowly)
  std::variant<std::monostate, bool, int64_t, double, Text, std::shared_ptr<const List>,
               std::shared_ptr<Dict>, std::shared_ptr<const Function>>
      data_ = Text();  // an undefined value holds its hint (null: none)
};

// Arguments of a call: positional then keyword, as written.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The argument at `index` or named `name`; nullptr when not given.
  const Value* get(size_t index, std::string_view name) const;
  // Throws when more than `max_positional` positional arguments or an unknown keyword is given.
  void check(std::string_view function, size_t max_positional,
             std::initializer_list<std::string_view> keywords) const;
};

// Python's repr() of a float: shortest round-trip digits, "1.0", "1e+16", "inf", "nan".
std::string format_float(double d);
// Python's repr() of a string: quoted and escaped.
std::string repr_string(const std::string& s);

}  // namespace coil::jinja
