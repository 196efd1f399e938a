#include "methods.hpp"

#include "args.hpp"
#include "budget.hpp"
#include "strings.hpp"

namespace coil::jinja {
namespace {

// startswith/endswith take a string or a tuple (list) of strings.
bool affix_match(const std::string& s, const Value& affix, bool prefix, const char* name) {
  auto one = [&](const Value& a) {
    if (!a.is_string())
      throw TemplateError(std::string(name) + " needs a string or a list of strings, not '" +
                          a.type_name() + "'");
    const std::string& x = a.as_string();
    return prefix ? s.starts_with(x) : s.ends_with(x);
  };
  if (affix.is_list()) {
    for (const auto& a : affix.as_list())
      if (one(a)) return true;
    return false;
  }
  return one(affix);
}

std::optional<Value> string_method(const std::string& s, const std::string& name,
                                   const CallArgs& a) {
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    ArgReader r(name, a, 1, {"chars"});
    return strip(s, r.optional_string(0, "chars"), name != "rstrip", name != "lstrip");
  }
  if (name == "startswith" || name == "endswith") {
    ArgReader r(name, a, 1, {});
    return affix_match(s, r.required(0, "prefix"), name == "startswith", name.c_str());
  }
  if (name == "split") {
    ArgReader r(name, a, 2, {"sep", "maxsplit"});
    Value::List out;
    for (auto& part : split(s, r.optional_string(0, "sep"), r.integer(1, "maxsplit", -1)))
      out.emplace_back(std::move(part));
    return out;
  }
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize") {
    ArgReader(name, a, 0, {});
    if (name == "upper") return to_upper(s);
    if (name == "lower") return to_lower(s);
    if (name == "title") return py_title(s);
    return capitalize(s);
  }
  if (name == "replace") {
    ArgReader r(name, a, 3, {});
    const Value& old_v = r.required(0, "old");
    const Value& new_v = r.required(1, "new");
    if (!old_v.is_string() || !new_v.is_string())
      throw TemplateError("replace() needs string arguments");
    return replace(s, old_v.as_string(), new_v.as_string(), r.integer(2, "count", -1));
  }
  if (name == "find" || name == "count") {
    ArgReader r(name, a, 1, {});
    const Value& sub = r.required(0, "sub");
    if (!sub.is_string()) throw TemplateError(name + "() needs a string argument");
    return name == "find" ? find(s, sub.as_string()) : count(s, sub.as_string());
  }
  if (name == "join") {
    ArgReader r(name, a, 1, {});
    const Value& items = r.required(0, "iterable");
    if (!items.is_list()) throw TemplateError("join() needs a list");
    StringBuilder out;
    for (size_t i = 0; i < items.as_list().size(); ++i) {
      const Value& item = items.as_list()[i];
      if (!item.is_string())
        throw TemplateError("join(): item " + std::to_string(i) + " is a '" + item.type_name() +
                            "', not a string");
      if (i) out += s;
      out += item.as_string();
    }
    return out.take();
  }
  return std::nullopt;
}

std::optional<Value> dict_method(const Value& d, const std::string& name, const CallArgs& a) {
  if (name == "items" || name == "keys" || name == "values") {
    ArgReader(name, a, 0, {});
    charge_steps(d.as_dict().size());
    Value::List out;
    for (const auto& [k, v] : d.as_dict()) {
      if (name == "items")
        out.push_back(Value::tuple({k, v}));
      else if (name == "keys")
        out.emplace_back(k);
      else
        out.push_back(v);
    }
    return out;
  }
  if (name == "get") {
    ArgReader r(name, a, 2, {});
    const Value& key = r.required(0, "key");
    const Value* fallback = r.get(1, "default");
    if (key.is_string())
      if (const Value* v = d.find(key.as_string())) return *v;
    return fallback ? *fallback : Value::none();
  }
  return std::nullopt;
}

}  // namespace

std::optional<Value> call_method(const Value& object, const std::string& name,
                                 const CallArgs& args) {
  if (object.is_string()) return string_method(object.as_string(), name, args);
  if (object.is_dict()) return dict_method(object, name, args);
  return std::nullopt;
}

}  // namespace coil::jinja
