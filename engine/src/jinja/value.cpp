#include "value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "budget.hpp"

namespace coil::jinja {

Value::Value(std::string s) : kind_(Kind::String) {
  charge_bytes(s.size() + sizeof(std::string) + sizeof(Value));  // the text and its holder
  data_ = std::make_shared<const std::string>(std::move(s));
}

const std::string& Value::text() const {
  static const std::string empty;
  const Text& t = std::get<Text>(data_);
  return t ? *t : empty;
}

Value::Value(List l) : kind_(Kind::List) {
  charge_steps(l.size());
  int depth = 0;
  for (const auto& v : l) depth = std::max<int>(depth, v.depth_);
  if (depth + 1 > kMaxDepth) throw TemplateError("lists and dicts nested too deeply");
  depth_ = static_cast<uint8_t>(depth + 1);
  data_ = std::make_shared<const List>(std::move(l));
}

Value::Value(Dict d) : kind_(Kind::Dict) {
  charge_steps(d.size());
  int depth = 0;
  for (const auto& [k, v] : d) depth = std::max<int>(depth, v.depth_);
  if (depth + 1 > kMaxDepth) throw TemplateError("lists and dicts nested too deeply");
  depth_ = static_cast<uint8_t>(depth + 1);
  data_ = std::make_shared<Dict>(std::move(d));
}

Value Value::undefined(std::string hint) {
  Value v;
  if (!hint.empty()) v.data_ = std::make_shared<const std::string>(std::move(hint));
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::None;
  v.data_ = std::monostate{};
  return v;
}

Value Value::tuple(List items) {
  Value v(std::move(items));
  v.tuple_ = true;
  return v;
}

Value Value::make_namespace(Dict attributes) {
  Value v(std::move(attributes));
  v.kind_ = Kind::Namespace;
  v.depth_ = 0;
  return v;
}

Value Value::function(Function f) {
  Value v;
  v.kind_ = Kind::Function;
  v.data_ = std::make_shared<const Function>(std::move(f));
  return v;
}

int64_t Value::as_int() const {
  if (kind_ == Kind::Bool) return as_bool() ? 1 : 0;
  return std::get<int64_t>(data_);
}

double Value::as_float() const {
  if (kind_ == Kind::Float) return std::get<double>(data_);
  return static_cast<double>(as_int());
}

const void* Value::identity() const {
  switch (kind_) {
    case Kind::List:
      return std::get<std::shared_ptr<const List>>(data_).get();
    case Kind::Dict:
    case Kind::Namespace:
      return std::get<std::shared_ptr<Dict>>(data_).get();
    case Kind::Function:
      return std::get<std::shared_ptr<const Function>>(data_).get();
    default:
      return nullptr;
  }
}

const Value* Value::find(std::string_view key) const {
  if (kind_ != Kind::Dict && kind_ != Kind::Namespace) return nullptr;
  const Dict& dict = as_dict();
  charge_steps(1 + dict.size() / 16);  // a linear search
  for (const auto& [k, v] : dict)
    if (k == key) return &v;
  return nullptr;
}

void Value::set_attribute(const std::string& key, Value v) const {
  if (kind_ != Kind::Namespace)
    throw TemplateError("cannot set attribute '" + key + "' on a value of type '" + type_name() +
                        "' (only namespace() objects take attributes)");
  auto& dict = *std::get<std::shared_ptr<Dict>>(data_);
  charge_steps(1 + dict.size() / 16);
  for (auto& [k, old] : dict)
    if (k == key) {
      old = std::move(v);
      return;
    }
  dict.emplace_back(key, std::move(v));
}

void Value::clear_namespace() const {
  if (kind_ == Kind::Namespace) std::get<std::shared_ptr<Dict>>(data_)->clear();
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::Undefined:
    case Kind::None:
      return false;
    case Kind::Bool:
      return as_bool();
    case Kind::Int:
      return as_int() != 0;
    case Kind::Float:
      return as_float() != 0.0;
    case Kind::String:
      return !as_string().empty();
    case Kind::List:
      return !as_list().empty();
    case Kind::Dict:
      return !as_dict().empty();
    case Kind::Namespace:
    case Kind::Function:
      return true;
  }
  return false;
}

std::string format_float(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // e.g. "-1.2345e+02"
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  int exp = 0;  // to_chars wrote "e+NN" or "e-NN"
  std::from_chars(sci.data() + e + 2, sci.data() + sci.size(), exp);
  if (sci[e + 1] == '-') exp = -exp;
  const int n = static_cast<int>(digits.size());
  std::string out;
  if (exp >= 16 || exp < -4) {
    out = digits.substr(0, 1);
    if (n > 1) out += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += ebuf;
  } else if (exp >= 0) {
    if (n <= exp + 1) {
      out = digits + std::string(exp + 1 - n, '0') + ".0";
    } else {
      out = digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
    }
  } else {
    out = "0." + std::string(-exp - 1, '0') + digits;
  }
  return sign + out;
}

std::string repr_string(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == quote) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  return out;
}

std::string Value::str() const {
  switch (kind_) {
    case Kind::Undefined:
      return "";
    case Kind::String:
      return as_string();
    default:
      return repr();
  }
}

std::string Value::repr() const {
  StringBuilder out;
  repr(false, out);
  return out.take();
}

void Value::repr(bool inside_namespace, StringBuilder& out) const {
  switch (kind_) {
    case Kind::Undefined:
      out += "Undefined";
      return;
    case Kind::None:
      out += "None";
      return;
    case Kind::Bool:
      out += as_bool() ? "True" : "False";
      return;
    case Kind::Int:
      out += std::to_string(as_int());
      return;
    case Kind::Float:
      out += format_float(as_float());
      return;
    case Kind::String:
      out += repr_string(as_string());
      return;
    case Kind::List: {
      out += tuple_ ? "(" : "[";
      for (size_t i = 0; i < as_list().size(); ++i) {
        if (i) out += ", ";
        as_list()[i].repr(inside_namespace, out);
      }
      if (tuple_)
        out += as_list().size() == 1 ? ",)" : ")";
      else
        out += "]";
      return;
    }
    case Kind::Dict:
    case Kind::Namespace: {
      const bool ns = kind_ == Kind::Namespace;
      if (ns && inside_namespace) {
        out += "<Namespace ...>";
        return;
      }
      out += ns ? "<Namespace {" : "{";
      bool first = true;
      for (const auto& [k, v] : as_dict()) {
        if (!first) out += ", ";
        out += repr_string(k);
        out += ": ";
        v.repr(inside_namespace || ns, out);
        first = false;
      }
      out += ns ? "}>" : "}";
      return;
    }
    case Kind::Function:
      out += "<function>";
      return;
  }
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::Undefined:
      return "undefined";
    case Kind::None:
      return "NoneType";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Float:
      return "float";
    case Kind::String:
      return "str";
    case Kind::List:
      return "list";
    case Kind::Dict:
      return "dict";
    case Kind::Namespace:
      return "namespace";
    case Kind::Function:
      return "function";
  }
  return "?";
}

void Value::throw_undefined() const {
  const std::string& hint = undefined_hint();
  throw TemplateError(hint.empty() ? "value is undefined" : hint);
}

const Value* CallArgs::get(size_t index, std::string_view name) const {
  if (index < positional.size()) return &positional[index];
  for (const auto& [k, v] : keyword)
    if (k == name) return &v;
  return nullptr;
}

void CallArgs::check(std::string_view function, size_t max_positional,
                     std::initializer_list<std::string_view> keywords) const {
  if (positional.size() > max_positional)
    throw TemplateError("too many arguments to '" + std::string(function) + "' (at most " +
                        std::to_string(max_positional) + ")");
  for (const auto& [k, v] : keyword) {
    bool known = false;
    for (auto name : keywords) known = known || name == k;
    if (!known)
      throw TemplateError("unexpected keyword argument '" + k + "' to '" + std::string(function) +
                          "'");
  }
}

}  // namespace coil::jinja
