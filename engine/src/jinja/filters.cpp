// The filters, each as Jinja 3 defines it (defaults and argument names included), with
// tojson as Hugging Face overrides it (no HTML escaping; indent, sort_keys...).
#include "filters.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include "args.hpp"
#include "budget.hpp"
#include "json.hpp"
#include "operators.hpp"
#include "strings.hpp"

namespace coil::jinja {
namespace {

using FilterFn = Value (*)(const Value&, const CallArgs&);

Value length(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return 0;
    case Value::Kind::String:
      return static_cast<int64_t>(code_point_count(v.as_string()));
    case Value::Kind::List:
      return static_cast<int64_t>(v.as_list().size());
    case Value::Kind::Dict:
      return static_cast<int64_t>(v.as_dict().size());
    default:
      throw TemplateError("object of type '" + v.type_name() + "' has no length");
  }
}

// The key the sort/unique/min/max filters compare: the attribute, lowercased unless
// case_sensitive.
Value sort_key(const Value& item, const std::optional<std::string>& attribute,
               bool case_sensitive) {
  Value key = attribute ? attribute_path(item, *attribute) : item;
  if (!case_sensitive && key.is_string()) return to_lower(key.as_string());
  return key;
}

// Python's int(str): optional sign, digits (single underscores between them), outer
// whitespace; nullopt for anything else or a value beyond int64.
std::optional<int64_t> parse_int(const std::string& text) {
  std::string s = strip(text, std::nullopt, true, true);
  std::string digits;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) digits += s[i++];
  if (i == s.size()) return std::nullopt;
  bool after_digit = false;  // an underscore must follow a digit and precede one
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      digits += s[i];
      after_digit = true;
    } else if (s[i] == '_' && after_digit && i + 1 < s.size()) {
      after_digit = false;
    } else {
      return std::nullopt;
    }
  }
  if (!after_digit) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(digits.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return v;
}

// A finite double as int64 (truncated), or nullopt when it does not fit.
std::optional<int64_t> truncate_to_int(double d) {
  // 2^63 is exactly representable; every double below it truncates into int64.
  if (!std::isfinite(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0)
    return std::nullopt;
  return static_cast<int64_t>(d);
}

std::optional<double> parse_float(const std::string& text) {
  std::string s = strip(text, std::nullopt, true, true);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return d;
}

// A text equal for keys Python's set() finds equal (1 == 1.0 == True), for unique().
std::string hash_key(const Value& key) {
  switch (key.kind()) {
    case Value::Kind::None:
      return "N";
    case Value::Kind::Bool:
    case Value::Kind::Int:
      return "n" + std::to_string(key.as_int());
    case Value::Kind::Float: {
      const double d = key.as_float();
      if (auto i = truncate_to_int(d); i && static_cast<double>(*i) == d)
        return "n" + std::to_string(*i);
      return "f" + format_float(d);
    }
    case Value::Kind::String:
      charge_bytes(key.as_string().size());
      return "s" + key.as_string();
    case Value::Kind::List:
      if (key.is_tuple()) {
        std::string out = "(";
        for (const auto& item : key.as_list()) {
          const std::string k = hash_key(item);
          out += std::to_string(k.size()) + ":" + k;
        }
        return out;
      }
      [[fallthrough]];
    default:
      throw TemplateError("unhashable type: '" + key.type_name() + "'");
  }
}

Value f_abs(const Value& v, const CallArgs& a) {
  ArgReader("abs", a, 0, {});
  if (v.kind() == Value::Kind::Float) return std::fabs(v.as_float());
  if (v.is_number()) return unary_op(v.as_int() < 0 ? UnaryOp::Neg : UnaryOp::Pos, v);
  throw TemplateError("bad operand type for abs(): '" + v.type_name() + "'");
}

Value f_capitalize(const Value& v, const CallArgs& a) {
  ArgReader("capitalize", a, 0, {});
  return capitalize(v.str());
}

Value f_length(const Value& v, const CallArgs& a) {
  ArgReader("length", a, 0, {});
  return length(v);
}

Value f_default(const Value& v, const CallArgs& a) {
  ArgReader r("default", a, 2, {"default_value", "boolean"});
  const bool use_default = v.is_undefined() || (r.boolean(1, "boolean", false) && !v.truthy());
  if (!use_default) return v;
  const Value* d = r.get(0, "default_value");
  return d ? *d : Value("");
}

Value f_escape(const Value& v, const CallArgs& a) {
  ArgReader("escape", a, 0, {});
  StringBuilder out;
  for (char c : v.str()) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out.take();
}

Value f_first(const Value& v, const CallArgs& a) {
  ArgReader("first", a, 0, {});
  auto items = iterate(v);
  if (items.empty()) return Value::undefined("no first item, the sequence was empty");
  return items.front();
}

Value f_last(const Value& v, const CallArgs& a) {
  ArgReader("last", a, 0, {});
  auto items = iterate(v);
  if (items.empty()) return Value::undefined("no last item, the sequence was empty");
  return items.back();
}

Value f_float(const Value& v, const CallArgs& a) {
  ArgReader r("float", a, 1, {"default"});
  const Value* fallback = r.get(0, "default");
  if (v.is_number()) return v.as_float();
  if (v.is_string())
    if (auto d = parse_float(v.as_string())) return *d;
  return fallback ? *fallback : Value(0.0);
}

Value f_int(const Value& v, const CallArgs& a) {
  ArgReader r("int", a, 1, {"default"});
  const Value* fallback = r.get(0, "default");
  if (v.kind() == Value::Kind::Float)
    if (auto i = truncate_to_int(v.as_float())) return *i;
  if (v.kind() == Value::Kind::Int || v.kind() == Value::Kind::Bool) return v.as_int();
  if (v.is_string()) {
    if (auto i = parse_int(v.as_string())) return *i;
    if (auto d = parse_float(v.as_string()))
      if (auto i = truncate_to_int(*d)) return *i;  // "42.23" | int == 42
  }
  return fallback ? *fallback : Value(0);
}

Value f_items(const Value& v, const CallArgs& a) {
  ArgReader("items", a, 0, {});
  if (v.is_undefined()) return Value::List{};
  if (!v.is_dict()) throw TemplateError("items filter needs a dict, not '" + v.type_name() + "'");
  Value::List out;
  for (const auto& [k, val] : v.as_dict()) out.push_back(Value::tuple({k, val}));
  return out;
}

Value f_join(const Value& v, const CallArgs& a) {
  ArgReader r("join", a, 2, {"d", "attribute"});
  const std::string sep = r.string(0, "d", "");
  const auto attribute = r.optional_string(1, "attribute");
  StringBuilder out;
  bool first = true;
  for (const auto& item : iterate(v)) {
    if (!first) out += sep;
    out += (attribute ? attribute_path(item, *attribute) : item).str();
    first = false;
  }
  return out.take();
}

Value f_list(const Value& v, const CallArgs& a) {
  ArgReader("list", a, 0, {});
  return iterate(v);
}

Value f_lower(const Value& v, const CallArgs& a) {
  ArgReader("lower", a, 0, {});
  return to_lower(v.str());
}

Value f_upper(const Value& v, const CallArgs& a) {
  ArgReader("upper", a, 0, {});
  return to_upper(v.str());
}

// map(attribute='x', default=...) or map('filter', args...)
Value f_map(const Value& v, const CallArgs& a) {
  Value::List out;
  if (!v.truthy()) return out;  // as Jinja: none | map(...) is empty
  if (const Value* attr = a.get(99, "attribute")) {
    a.check("map", 0, {"attribute", "default"});
    if (!attr->is_string()) throw TemplateError("map: 'attribute' must be a string");
    const Value* fallback = a.get(99, "default");
    for (const auto& item : iterate(v)) {
      Value x = attribute_path(item, attr->as_string());
      out.push_back(x.is_undefined() && fallback ? *fallback : x);
    }
    return out;
  }
  if (a.positional.empty() || !a.positional[0].is_string())
    throw TemplateError("map needs a filter name or attribute=");
  const std::string name = a.positional[0].as_string();
  if (!is_filter(name)) throw TemplateError("map: unknown filter '" + name + "'");
  CallArgs rest{{a.positional.begin() + 1, a.positional.end()}, a.keyword};
  for (const auto& item : iterate(v)) out.push_back(apply_filter(name, item, rest));
  return out;
}

Value min_or_max(const Value& v, const CallArgs& a, bool want_max) {
  ArgReader r(want_max ? "max" : "min", a, 2, {"case_sensitive", "attribute"});
  const bool cs = r.boolean(0, "case_sensitive", false);
  const auto attribute = r.optional_string(1, "attribute");
  auto items = iterate(v);
  if (items.empty()) return Value::undefined("no aggregated item, the sequence was empty");
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    const int c = order(sort_key(items[i], attribute, cs), sort_key(items[best], attribute, cs));
    if (want_max ? c > 0 : c < 0) best = i;
  }
  return items[best];
}

Value f_max(const Value& v, const CallArgs& a) {
  return min_or_max(v, a, true);
}
Value f_min(const Value& v, const CallArgs& a) {
  return min_or_max(v, a, false);
}

// select/reject(test, args...) and selectattr/rejectattr(attribute, test, args...).
Value select_items(const Value& v, const CallArgs& a, bool keep, bool by_attribute) {
  const size_t skip = by_attribute ? 1 : 0;
  std::optional<std::string> attribute;
  if (by_attribute) {
    if (a.positional.empty() || !a.positional[0].is_string())
      throw TemplateError("selectattr/rejectattr need an attribute name");
    attribute = a.positional[0].as_string();
  }
  std::string test;
  if (a.positional.size() > skip) {
    if (!a.positional[skip].is_string()) throw TemplateError("the test name must be a string");
    test = a.positional[skip].as_string();
    if (!is_test(test)) throw TemplateError("unknown test '" + test + "'");
  }
  if (!v.truthy()) return Value::List{};  // as Jinja: none | select(...) is empty
  CallArgs rest;
  if (a.positional.size() > skip + 1)
    rest.positional.assign(a.positional.begin() + static_cast<std::ptrdiff_t>(skip) + 1,
                           a.positional.end());
  rest.keyword = a.keyword;
  Value::List out;
  for (const auto& item : iterate(v)) {
    Value x = attribute ? attribute_path(item, *attribute) : item;
    const bool pass = test.empty() ? x.truthy() : apply_test(test, x, rest);
    if (pass == keep) out.push_back(item);
  }
  return out;
}

Value f_select(const Value& v, const CallArgs& a) {
  return select_items(v, a, true, false);
}
Value f_reject(const Value& v, const CallArgs& a) {
  return select_items(v, a, false, false);
}
Value f_selectattr(const Value& v, const CallArgs& a) {
  return select_items(v, a, true, true);
}
Value f_rejectattr(const Value& v, const CallArgs& a) {
  return select_items(v, a, false, true);
}

Value f_replace(const Value& v, const CallArgs& a) {
  ArgReader r("replace", a, 3, {"old", "new", "count"});
  const Value& old_v = r.required(0, "old");
  const Value& new_v = r.required(1, "new");
  return replace(v.str(), old_v.str(), new_v.str(), r.integer(2, "count", -1));
}

Value f_reverse(const Value& v, const CallArgs& a) {
  ArgReader("reverse", a, 0, {});
  auto items = iterate(v);
  std::reverse(items.begin(), items.end());
  if (v.is_string()) {
    std::string s;
    for (const auto& c : items) s += c.as_string();
    return s;
  }
  return items;
}

Value f_round(const Value& v, const CallArgs& a) {
  ArgReader r("round", a, 2, {"precision", "method"});
  const int64_t precision = r.integer(0, "precision", 0);
  const std::string method = r.string(1, "method", "common");
  if (!v.is_number()) throw TemplateError("round needs a number, not '" + v.type_name() + "'");
  if (method != "common" && method != "floor" && method != "ceil")
    throw TemplateError("round: method must be 'common', 'floor' or 'ceil'");
  if (precision < -300 || precision > 300) throw TemplateError("round: precision out of range");
  const double x = v.as_float();
  const double scale = std::pow(10.0, static_cast<double>(precision));
  if (method == "floor") return std::floor(x * scale) / scale;
  if (method == "ceil") return std::ceil(x * scale) / scale;
  // Python's round(): ties to even, on the exact binary value; ints stay ints.
  if (v.kind() != Value::Kind::Float && precision >= 0) return v.as_int();
  if (precision > 0) {
    if (!std::isfinite(x)) return x;
    // The exact decimal digits of x (at most 309 before the point), rounded by printf.
    std::string buf(static_cast<size_t>(precision) + 320, '\0');
    const int n = std::snprintf(buf.data(), buf.size(), "%.*f", static_cast<int>(precision), x);
    buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return std::strtod(buf.c_str(), nullptr);
  }
  const double rounded = std::nearbyint(x * scale) / scale;
  if (v.kind() != Value::Kind::Float) {
    if (auto i = truncate_to_int(rounded)) return *i;
    throw TemplateError("round: integer overflow");
  }
  return rounded;
}

Value f_safe(const Value& v, const CallArgs& a) {
  ArgReader("safe", a, 0, {});
  return v;
}

Value f_sort(const Value& v, const CallArgs& a) {
  ArgReader r("sort", a, 3, {"reverse", "case_sensitive", "attribute"});
  const bool reverse = r.boolean(0, "reverse", false);
  const bool cs = r.boolean(1, "case_sensitive", false);
  const auto attribute = r.optional_string(2, "attribute");
  auto items = iterate(v);
  std::vector<std::pair<Value, size_t>> keyed;
  for (size_t i = 0; i < items.size(); ++i)
    keyed.emplace_back(sort_key(items[i], attribute, cs), i);
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? order(y.first, x.first) < 0 : order(x.first, y.first) < 0;
  });
  Value::List out;
  for (const auto& [key, i] : keyed) out.push_back(items[i]);
  return out;
}

Value f_string(const Value& v, const CallArgs& a) {
  ArgReader("string", a, 0, {});
  return v.str();
}

Value f_sum(const Value& v, const CallArgs& a) {
  ArgReader r("sum", a, 2, {"attribute", "start"});
  const auto attribute = r.optional_string(0, "attribute");
  const Value* start = r.get(1, "start");
  Value total = start ? *start : Value(0);
  for (const auto& item : iterate(v))
    total = binary_op(BinaryOp::Add, total, attribute ? attribute_path(item, *attribute) : item);
  return total;
}

Value f_title(const Value& v, const CallArgs& a) {
  ArgReader("title", a, 0, {});
  return jinja_title(v.str());
}

Value f_tojson(const Value& v, const CallArgs& a) {
  ArgReader r("tojson", a, 1, {"indent", "ensure_ascii", "separators", "sort_keys"});
  JsonOptions o;
  o.indent = static_cast<int>(std::clamp<int64_t>(r.integer(0, "indent", -1), -1, 64));
  o.ensure_ascii = r.boolean(99, "ensure_ascii", false);
  o.sort_keys = r.boolean(99, "sort_keys", false);
  if (const Value* sep = r.get(99, "separators"); sep && !sep->is_none()) {
    if (!sep->is_list() || sep->as_list().size() != 2 || !sep->as_list()[0].is_string() ||
        !sep->as_list()[1].is_string())
      throw TemplateError("tojson: separators must be a pair of strings");
    o.item_separator = sep->as_list()[0].as_string();
    o.key_separator = sep->as_list()[1].as_string();
  }
  return to_json(v, o);
}

Value f_trim(const Value& v, const CallArgs& a) {
  ArgReader r("trim", a, 1, {"chars"});
  return strip(v.str(), r.optional_string(0, "chars"), true, true);
}

Value f_unique(const Value& v, const CallArgs& a) {
  ArgReader r("unique", a, 2, {"case_sensitive", "attribute"});
  const bool cs = r.boolean(0, "case_sensitive", false);
  const auto attribute = r.optional_string(1, "attribute");
  // Python's set of the keys: linear, and unhashable keys (lists, dicts) are an error.
  Value::List out;
  std::unordered_set<std::string> seen;
  for (const auto& item : iterate(v))
    if (seen.insert(hash_key(sort_key(item, attribute, cs))).second) out.push_back(item);
  return out;
}

Value f_wordcount(const Value& v, const CallArgs& a) {
  ArgReader("wordcount", a, 0, {});
  charge_bytes(v.str().size());
  int64_t n = 0;
  bool in_word = false;
  for (unsigned char c : v.str()) {
    const bool word = std::isalnum(c) || c == '_' || c >= 0x80;
    if (word && !in_word) ++n;
    in_word = word;
  }
  return n;
}

// indent(width=4, first=False, blank=False): indents every line but the first (and blank
// lines) by `width` spaces, or by `width` itself when it is a string.
Value f_indent(const Value& v, const CallArgs& a) {
  ArgReader r("indent", a, 3, {"width", "first", "blank"});
  std::string pad(4, ' ');
  if (const Value* w = r.get(0, "width"); w && w->is_string())
    pad = w->as_string();
  else
    pad = std::string(static_cast<size_t>(std::clamp<int64_t>(r.integer(0, "width", 4), 0, 256)),
                      ' ');
  const bool first = r.boolean(1, "first", false);
  const bool blank = r.boolean(2, "blank", false);
  std::vector<std::string> lines = split(v.str() + "\n", std::string("\n"), -1);
  lines.pop_back();  // the text always ends with the "\n" added above
  StringBuilder out;
  if (first) out += pad;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out += '\n';
      if (blank || !lines[i].empty()) out += pad;
    }
    out += lines[i];
  }
  return out.take();
}

struct NamedFilter {
  std::string_view name;
  FilterFn fn;
};

constexpr NamedFilter kFilters[] = {
    {"abs", f_abs},
    {"capitalize", f_capitalize},
    {"count", f_length},
    {"d", f_default},
    {"default", f_default},
    {"e", f_escape},
    {"escape", f_escape},
    {"first", f_first},
    {"float", f_float},
    {"indent", f_indent},
    {"int", f_int},
    {"items", f_items},
    {"join", f_join},
    {"last", f_last},
    {"length", f_length},
    {"list", f_list},
    {"lower", f_lower},
    {"map", f_map},
    {"max", f_max},
    {"min", f_min},
    {"reject", f_reject},
    {"rejectattr", f_rejectattr},
    {"replace", f_replace},
    {"reverse", f_reverse},
    {"round", f_round},
    {"safe", f_safe},
    {"select", f_select},
    {"selectattr", f_selectattr},
    {"sort", f_sort},
    {"string", f_string},
    {"sum", f_sum},
    {"title", f_title},
    {"tojson", f_tojson},
    {"trim", f_trim},
    {"unique", f_unique},
    {"upper", f_upper},
    {"wordcount", f_wordcount},
};

}  // namespace

bool is_filter(std::string_view name) {
  return std::any_of(std::begin(kFilters), std::end(kFilters),
                     [&](const NamedFilter& f) { return f.name == name; });
}

Value apply_filter(std::string_view name, const Value& value, const CallArgs& args) {
  for (const auto& f : kFilters)
    if (f.name == name) return f.fn(value, args);
  throw TemplateError("unknown filter '" + std::string(name) + "'");
}

Value attribute_path(const Value& value, const std::string& path) {
  Value v = value;
  for (const auto& part : split(path, std::string("."), -1)) {
    if (v.is_undefined()) return v;
    int64_t index = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
    const bool numeric =
        !part.empty() && part[0] != '-' && ec == std::errc() && end == part.data() + part.size();
    v = numeric && v.is_list() ? get_item(v, Value(index)) : get_item(v, Value(part));
  }
  return v;
}

}  // namespace coil::jinja
