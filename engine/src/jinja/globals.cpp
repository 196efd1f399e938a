#include "globals.hpp"

#include <ctime>

#include "args.hpp"
#include "budget.hpp"
#include "operators.hpp"

namespace coil::jinja {
namespace {

Value raise_exception(const CallArgs& a) {
  ArgReader r("raise_exception", a, 1, {});
  throw RaisedError(r.required(0, "message").str());
}

// namespace(a=1, b=2) or namespace({'a': 1}, b=2): a mutable object for `set ns.x = ...`.
Value make_namespace(const CallArgs& a) {
  if (a.positional.size() > 1)
    throw TemplateError("namespace() takes at most one positional argument");
  Value::Dict attributes;
  if (!a.positional.empty()) {
    if (!a.positional[0].is_dict()) throw TemplateError("namespace() needs a dict or keywords");
    attributes = a.positional[0].as_dict();
  }
  Value ns = Value::make_namespace(std::move(attributes));
  for (const auto& [k, v] : a.keyword) ns.set_attribute(k, v);
  return ns;
}

Value make_dict(const CallArgs& a) {
  if (!a.positional.empty()) throw TemplateError("dict() takes keyword arguments only");
  Value d = Value::make_namespace({});  // to reuse set_attribute's replace-or-append
  for (const auto& [k, v] : a.keyword) d.set_attribute(k, v);
  return Value::Dict(d.as_dict());
}

// range(stop) or range(start, stop[, step]), as a list.
Value range(const CallArgs& a) {
  ArgReader r("range", a, 3, {});
  if (a.positional.empty()) throw TemplateError("range() needs at least one argument");
  int64_t start = 0, stop = 0, step = 1;
  if (a.positional.size() == 1) {
    stop = r.integer(0, "stop", 0);
  } else {
    start = r.integer(0, "start", 0);
    stop = r.integer(1, "stop", 0);
    step = r.integer(2, "step", 1);
  }
  if (step == 0) throw TemplateError("range() step must not be zero");
  const __int128 abs_step = step > 0 ? __int128{step} : -__int128{step};
  const __int128 span = step > 0 ? __int128{stop} - start : __int128{start} - stop;
  const __int128 count = span <= 0 ? 0 : (span + abs_step - 1) / abs_step;
  check_list_size(count > static_cast<__int128>(UINT64_MAX) ? UINT64_MAX
                                                            : static_cast<uint64_t>(count));
  Value::List out;
  out.reserve(static_cast<size_t>(count));
  // In 128 bits: start + i * step lies in [start, stop), but i * step alone may not fit.
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i)
    out.emplace_back(static_cast<int64_t>(__int128{start} + __int128{i} * step));
  return out;
}

// strftime_now(format): the local time, as Hugging Face provides it to templates that
// print today's date.
Value strftime_now(const CallArgs& a) {
  ArgReader r("strftime_now", a, 1, {});
  const std::string format = r.string(0, "format", "");
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[512];
  const size_t n = std::strftime(buf, sizeof buf, format.c_str(), &local);
  return std::string(buf, n);
}

const Value::Dict& globals() {
  static const Value::Dict table = {
      {"raise_exception", Value::function(raise_exception)},
      {"namespace", Value::function(make_namespace)},
      {"dict", Value::function(make_dict)},
      {"range", Value::function(range)},
      {"strftime_now", Value::function(strftime_now)},
  };
  return table;
}

}  // namespace

const Value* find_global(std::string_view name) {
  for (const auto& [k, v] : globals())
    if (k == name) return &v;
  return nullptr;
}

}  // namespace coil::jinja
