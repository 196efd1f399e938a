#include "json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "budget.hpp"
#include "strings.hpp"

namespace coil::jinja {
namespace {

void append_escaped(StringBuilder& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  for (size_t i = 0; i < s.size(); i += code_point_length(s, i)) {
    if (!ensure_ascii) {  // a run of bytes that need no escape, appended at once
      size_t j = i;
      while (j < s.size() && static_cast<unsigned char>(s[j]) >= 0x20 && s[j] != '"' &&
             s[j] != '\\')
        ++j;
      if (j > i) {
        out += std::string_view(s).substr(i, j - i);
        i = j;
        if (i == s.size()) break;
      }
    }
    const std::string_view cp = std::string_view(s).substr(i, code_point_length(s, i));
    const auto c = static_cast<unsigned char>(cp[0]);
    char buf[16];
    if (cp.size() == 1 && c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20) {
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
          } else {
            out += static_cast<char>(c);
          }
      }
    } else if (ensure_ascii) {
      uint32_t v = decode_utf8(cp);
      if (v >= 0x10000) {
        v -= 0x10000;
        std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04x", v);
      }
      out += buf;
    } else {
      out += cp;
    }
  }
  out += '"';
}

class Writer {
 public:
  explicit Writer(const JsonOptions& o) : o_(o) {
    item_sep_ = o.item_separator ? *o.item_separator : o.indent >= 0 ? "," : ", ";
  }

  void write(const Value& v, int level) {
    switch (v.kind()) {
      case Value::Kind::None:
        out += "null";
        break;
      case Value::Kind::Bool:
        out += v.as_bool() ? "true" : "false";
        break;
      case Value::Kind::Int:
        out += std::to_string(v.as_int());
        break;
      case Value::Kind::Float: {
        const double d = v.as_float();
        out += std::isnan(d)   ? "NaN"
               : std::isinf(d) ? (d < 0 ? "-Infinity" : "Infinity")
                               : format_float(d);
        break;
      }
      case Value::Kind::String:
        append_escaped(out, v.as_string(), o_.ensure_ascii);
        break;
      case Value::Kind::List: {
        const auto& list = v.as_list();
        if (list.empty()) {
          out += "[]";
          break;
        }
        out += '[';
        for (size_t i = 0; i < list.size(); ++i) {
          if (i) out += item_sep_;
          newline(level + 1);
          write(list[i], level + 1);
        }
        newline(level);
        out += ']';
        break;
      }
      case Value::Kind::Dict:
      case Value::Kind::Namespace: {
        if (v.kind() == Value::Kind::Namespace)
          throw TemplateError("Object of type namespace is not JSON serializable");
        std::vector<const std::pair<std::string, Value>*> items;
        for (const auto& item : v.as_dict()) items.push_back(&item);
        if (o_.sort_keys)
          std::stable_sort(items.begin(), items.end(),
                           [](auto* a, auto* b) { return a->first < b->first; });
        if (items.empty()) {
          out += "{}";
          break;
        }
        out += '{';
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out += item_sep_;
          newline(level + 1);
          append_escaped(out, items[i]->first, o_.ensure_ascii);
          out += o_.key_separator;
          write(items[i]->second, level + 1);
        }
        newline(level);
        out += '}';
        break;
      }
      case Value::Kind::Undefined:
        throw TemplateError("cannot convert an undefined value to JSON" +
                            (v.undefined_hint().empty() ? "" : " (" + v.undefined_hint() + ")"));
      case Value::Kind::Function:
        throw TemplateError("Object of type function is not JSON serializable");
    }
  }

  StringBuilder out;

 private:
  const JsonOptions& o_;
  std::string item_sep_;
  std::string spaces_ = std::string(64, ' ');  // o_.indent is at most 64

  void newline(int level) {
    if (o_.indent < 0) return;
    out += '\n';
    for (int i = 0; i < level; ++i) out += std::string_view(spaces_).substr(0, o_.indent);
  }
};

}  // namespace

std::string to_json(const Value& value, const JsonOptions& options) {
  Writer w(options);
  w.write(value, 0);
  return w.out.take();
}

namespace {

template <class Json>
Value convert(const Json& j, int depth) {
  if (depth > Value::kMaxDepth) throw TemplateError("lists and dicts nested too deeply");
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value::none();
    case nlohmann::json::value_t::boolean:
      return j.template get<bool>();
    case nlohmann::json::value_t::number_integer:
      return j.template get<int64_t>();
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = j.template get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return static_cast<double>(u);
      return static_cast<int64_t>(u);
    }
    case nlohmann::json::value_t::number_float:
      return j.template get<double>();
    case nlohmann::json::value_t::string:
      return j.template get<std::string>();
    case nlohmann::json::value_t::array: {
      Value::List list;
      for (const auto& item : j) list.push_back(convert(item, depth + 1));
      return list;
    }
    case nlohmann::json::value_t::object: {
      Value::Dict dict;
      for (const auto& [k, v] : j.items()) dict.emplace_back(k, convert(v, depth + 1));
      return dict;
    }
    default:
      throw TemplateError("unsupported JSON value");
  }
}

}  // namespace

Value from_json(const nlohmann::json& j) {
  return convert(j, 1);
}
Value from_json(const nlohmann::ordered_json& j) {
  return convert(j, 1);
}

}  // namespace coil::jinja
