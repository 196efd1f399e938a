// Jinja tests (`x is defined`, `x is divisibleby 3`...), also usable by name through
// select/reject/selectattr/rejectattr ('equalto', '==', ...).
#include <algorithm>

#include "args.hpp"
#include "filters.hpp"
#include "operators.hpp"

namespace coil::jinja {
namespace {

using Kind = Value::Kind;
using TestFn = bool (*)(const Value&, const CallArgs&);

const Value& other(const char* name, const CallArgs& a) {
  return ArgReader(name, a, 1, {}).required(0, "other");
}

bool has_cased(const std::string& s, bool upper) {
  bool any = false;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if ((c >= 'A' && c <= 'Z') != upper) return false;
      any = true;
    }
  }
  return any;
}

bool divisible(const Value& v, const Value& by) {
  return equals(binary_op(BinaryOp::Mod, v, by), Value(0));
}

struct NamedTest {
  std::string_view name;
  TestFn fn;
};

#define NO_ARGS(name) ArgReader(name, a, 0, {})

constexpr NamedTest kTests[] = {
    {"defined",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("defined");
       return !v.is_undefined();
     }},
    {"undefined",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("undefined");
       return v.is_undefined();
     }},
    {"none",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("none");
       return v.is_none();
     }},
    {"boolean",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("boolean");
       return v.kind() == Kind::Bool;
     }},
    {"true",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("true");
       return v.kind() == Kind::Bool && v.as_bool();
     }},
    {"false",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("false");
       return v.kind() == Kind::Bool && !v.as_bool();
     }},
    {"integer",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("integer");
       return v.kind() == Kind::Int;
     }},
    {"float",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("float");
       return v.kind() == Kind::Float;
     }},
    {"number",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("number");
       return v.is_number();
     }},
    {"string",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("string");
       return v.is_string();
     }},
    {"mapping",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("mapping");
       return v.is_dict();
     }},
    {"iterable",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("iterable");
       return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
     }},
    {"sequence",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("sequence");
       return v.is_string() || v.is_list() || v.is_dict();
     }},
    {"callable",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("callable");
       return v.is_function();
     }},
    {"sameas",
     [](const Value& v, const CallArgs& a) {
       const Value& o = other("sameas", a);
       if (v.kind() != o.kind()) return false;
       if (v.identity() || o.identity()) return v.identity() == o.identity();
       return equals(v, o);
     }},
    {"in", [](const Value& v, const CallArgs& a) { return contains(other("in", a), v); }},
    {"eq", [](const Value& v, const CallArgs& a) { return equals(v, other("eq", a)); }},
    {"equalto", [](const Value& v, const CallArgs& a) { return equals(v, other("equalto", a)); }},
    {"==", [](const Value& v, const CallArgs& a) { return equals(v, other("==", a)); }},
    {"ne", [](const Value& v, const CallArgs& a) { return !equals(v, other("ne", a)); }},
    {"!=", [](const Value& v, const CallArgs& a) { return !equals(v, other("!=", a)); }},
    {"lt", [](const Value& v, const CallArgs& a) { return order(v, other("lt", a)) < 0; }},
    {"lessthan",
     [](const Value& v, const CallArgs& a) { return order(v, other("lessthan", a)) < 0; }},
    {"<", [](const Value& v, const CallArgs& a) { return order(v, other("<", a)) < 0; }},
    {"le", [](const Value& v, const CallArgs& a) { return order(v, other("le", a)) <= 0; }},
    {"<=", [](const Value& v, const CallArgs& a) { return order(v, other("<=", a)) <= 0; }},
    {"gt", [](const Value& v, const CallArgs& a) { return order(v, other("gt", a)) > 0; }},
    {"greaterthan",
     [](const Value& v, const CallArgs& a) { return order(v, other("greaterthan", a)) > 0; }},
    {">", [](const Value& v, const CallArgs& a) { return order(v, other(">", a)) > 0; }},
    {"ge", [](const Value& v, const CallArgs& a) { return order(v, other("ge", a)) >= 0; }},
    {">=", [](const Value& v, const CallArgs& a) { return order(v, other(">=", a)) >= 0; }},
    {"even",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("even");
       return divisible(v, Value(2));
     }},
    {"odd",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("odd");
       return equals(binary_op(BinaryOp::Mod, v, Value(2)), Value(1));
     }},
    {"divisibleby",
     [](const Value& v, const CallArgs& a) {
       return divisible(v, ArgReader("divisibleby", a, 1, {"num"}).required(0, "num"));
     }},
    {"lower",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("lower");
       return has_cased(v.str(), false);
     }},
    {"upper",
     [](const Value& v, const CallArgs& a) {
       NO_ARGS("upper");
       return has_cased(v.str(), true);
     }},
};

#undef NO_ARGS

}  // namespace

bool is_test(std::string_view name) {
  return std::any_of(std::begin(kTests), std::end(kTests),
                     [&](const NamedTest& t) { return t.name == name; });
}

bool apply_test(std::string_view name, const Value& value, const CallArgs& args) {
  for (const auto& t : kTests)
    if (t.name == name) return t.fn(value, args);
  throw TemplateError("unknown test '" + std::string(name) + "'");
}

}  // namespace coil::jinja
