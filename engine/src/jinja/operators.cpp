#include "operators.hpp"

#include <algorithm>
#include <cmath>

#include "budget.hpp"
#include "coil/limits.hpp"
#include "strings.hpp"

namespace coil::jinja {
namespace {

bool is_integral(const Value& v) {
  return v.kind() == Value::Kind::Int || v.kind() == Value::Kind::Bool;
}

const char* symbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
      return "+";
    case BinaryOp::Sub:
      return "-";
    case BinaryOp::Mul:
      return "*";
    case BinaryOp::Div:
      return "/";
    case BinaryOp::FloorDiv:
      return "//";
    case BinaryOp::Mod:
      return "%";
    case BinaryOp::Pow:
      return "**";
    case BinaryOp::Concat:
      return "~";
    case BinaryOp::And:
      return "and";
    case BinaryOp::Or:
      return "or";
  }
  return "?";
}

[[noreturn]] void unsupported(BinaryOp op, const Value& a, const Value& b) {
  throw TemplateError("unsupported operand types for " + std::string(symbol(op)) + ": '" +
                      a.type_name() + "' and '" + b.type_name() + "'");
}

int64_t checked(bool fits, const int64_t& v) {  // v is read after the check ran
  if (!fits) throw TemplateError("integer overflow");
  return v;
}

Value repeat(const Value& seq, int64_t n) {
  if (n <= 0) return seq.is_string() ? Value("") : Value(Value::List{});
  const uint64_t unit = seq.is_string() ? seq.as_string().size() : seq.as_list().size();
  uint64_t total = 0;
  if (!mul_fits(unit, static_cast<uint64_t>(n), &total)) total = UINT64_MAX;
  if (seq.is_string()) {
    check_string_size(total);
    std::string out;
    out.reserve(total);
    for (int64_t i = 0; i < n && unit != 0; ++i) out += seq.as_string();
    return out;
  }
  check_list_size(total);
  Value::List out;
  out.reserve(total);
  for (int64_t i = 0; i < n && unit != 0; ++i)
    out.insert(out.end(), seq.as_list().begin(), seq.as_list().end());
  return out;
}

// x ** y for y >= 0 by squaring: O(log y) steps, every product checked.
int64_t int_pow(int64_t x, int64_t y) {
  int64_t result = 1, base = x;
  for (auto e = static_cast<uint64_t>(y);;) {
    if (e & 1) result = checked(mul_fits(result, base, &result), result);
    e >>= 1;
    if (e == 0) return result;
    // Squared only while a higher bit needs it: if it overflows, so would the result.
    base = checked(mul_fits(base, base, &base), base);
  }
}

Value arithmetic(BinaryOp op, const Value& a, const Value& b) {
  if (is_integral(a) && is_integral(b)) {
    const int64_t x = a.as_int(), y = b.as_int();
    int64_t r = 0;
    switch (op) {
      case BinaryOp::Add:
        return checked(add_fits(x, y, &r), r);
      case BinaryOp::Sub:
        return checked(sub_fits(x, y, &r), r);
      case BinaryOp::Mul:
        return checked(mul_fits(x, y, &r), r);
      case BinaryOp::FloorDiv:
      case BinaryOp::Mod: {
        if (y == 0) throw TemplateError("integer division or modulo by zero");
        if (y == -1) {  // INT64_MIN / -1 overflows (and traps in hardware)
          if (op == BinaryOp::Mod) return int64_t{0};
          return checked(sub_fits(int64_t{0}, x, &r), r);
        }
        int64_t q = x / y, m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {  // Python rounds toward negative infinity
          --q;
          m += y;
        }
        return op == BinaryOp::FloorDiv ? q : m;
      }
      case BinaryOp::Pow:
        if (y >= 0) return int_pow(x, y);
        break;
      default:
        break;
    }
  }
  const double x = a.as_float(), y = b.as_float();
  switch (op) {
    case BinaryOp::Add:
      return x + y;
    case BinaryOp::Sub:
      return x - y;
    case BinaryOp::Mul:
      return x * y;
    case BinaryOp::Div:
      if (y == 0) throw TemplateError("division by zero");
      return x / y;
    case BinaryOp::FloorDiv: {  // as CPython: from fmod, so that 3.0 // 0.1 == 29.0
      if (y == 0) throw TemplateError("float floor division by zero");
      const double mod = std::fmod(x, y);
      double div = (x - mod) / y;
      if (mod != 0 && ((y < 0) != (mod < 0))) div -= 1.0;
      if (div == 0) return std::copysign(0.0, x / y);
      double floored = std::floor(div);
      if (div - floored > 0.5) floored += 1.0;
      return floored;
    }
    case BinaryOp::Mod: {
      if (y == 0) throw TemplateError("float modulo by zero");
      double m = std::fmod(x, y);
      if (m != 0 && ((m < 0) != (y < 0))) m += y;
      return m;
    }
    case BinaryOp::Pow:
      if (x == 0 && y < 0) throw TemplateError("zero to a negative power");
      return std::pow(x, y);
    default:
      return Value();
  }
}

std::string concat(const std::string& a, const std::string& b) {
  check_string_size(uint64_t{a.size()} + b.size());
  return a + b;
}

}  // namespace

Value binary_op(BinaryOp op, const Value& a, const Value& b) {
  if (op == BinaryOp::Concat) return concat(a.str(), b.str());
  if (a.is_undefined()) a.throw_undefined();
  if (b.is_undefined()) b.throw_undefined();
  if (a.is_number() && b.is_number()) return arithmetic(op, a, b);
  if (op == BinaryOp::Add) {
    if (a.is_string() && b.is_string()) return concat(a.as_string(), b.as_string());
    if (a.is_list() && b.is_list()) {
      check_list_size(uint64_t{a.as_list().size()} + b.as_list().size());
      Value::List out = a.as_list();
      out.insert(out.end(), b.as_list().begin(), b.as_list().end());
      return out;
    }
  }
  if (op == BinaryOp::Mul) {
    if ((a.is_string() || a.is_list()) && is_integral(b)) return repeat(a, b.as_int());
    if ((b.is_string() || b.is_list()) && is_integral(a)) return repeat(b, a.as_int());
  }
  if (op == BinaryOp::Mod && a.is_string())
    throw TemplateError("printf-style '%' string formatting is not supported; use ~ or |format");
  unsupported(op, a, b);
}

Value unary_op(UnaryOp op, const Value& v) {
  if (v.is_undefined()) v.throw_undefined();
  if (op == UnaryOp::Not) return !v.truthy();
  if (!v.is_number())
    throw TemplateError(std::string("bad operand type for unary ") +
                        (op == UnaryOp::Neg ? "-" : "+") + ": '" + v.type_name() + "'");
  if (v.kind() == Value::Kind::Float) return op == UnaryOp::Neg ? -v.as_float() : v.as_float();
  if (op == UnaryOp::Neg && v.as_int() == INT64_MIN) throw TemplateError("integer overflow");
  return op == UnaryOp::Neg ? -v.as_int() : v.as_int();
}

bool equals(const Value& a, const Value& b) {
  charge_steps();
  if (a.is_number() && b.is_number()) {
    if (is_integral(a) && is_integral(b)) return a.as_int() == b.as_int();
    return a.as_float() == b.as_float();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None:
      return true;
    case Value::Kind::String:
      charge_bytes(std::min(a.as_string().size(), b.as_string().size()));
      return a.as_string() == b.as_string();
    case Value::Kind::List: {
      const auto &x = a.as_list(), &y = b.as_list();
      if (x.size() != y.size()) return false;
      if (&x == &y) return true;
      for (size_t i = 0; i < x.size(); ++i)
        if (!equals(x[i], y[i])) return false;
      return true;
    }
    case Value::Kind::Dict: {
      if (a.as_dict().size() != b.as_dict().size()) return false;
      for (const auto& [k, v] : a.as_dict()) {
        const Value* other = b.find(k);
        if (!other || !equals(v, *other)) return false;
      }
      return true;
    }
    default:
      return a.identity() == b.identity();
  }
}

int order(const Value& a, const Value& b) {
  charge_steps();
  if (a.is_undefined()) a.throw_undefined();
  if (b.is_undefined()) b.throw_undefined();
  if (a.is_number() && b.is_number()) {
    if (is_integral(a) && is_integral(b))
      return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int();
    const double x = a.as_float(), y = b.as_float();
    return x < y ? -1 : x > y;
  }
  if (a.is_string() && b.is_string()) {
    charge_bytes(std::min(a.as_string().size(), b.as_string().size()));
    const int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : c > 0;
  }
  if (a.is_list() && b.is_list()) {
    const auto &x = a.as_list(), &y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i)
      if (!equals(x[i], y[i])) return order(x[i], y[i]);
    return x.size() < y.size() ? -1 : x.size() > y.size();
  }
  throw TemplateError("cannot order '" + a.type_name() + "' and '" + b.type_name() + "'");
}

bool compare(CompareOp op, const Value& a, const Value& b) {
  switch (op) {
    case CompareOp::Eq:
      return equals(a, b);
    case CompareOp::Ne:
      return !equals(a, b);
    case CompareOp::Lt:
      return order(a, b) < 0;
    case CompareOp::Le:
      return order(a, b) <= 0;
    case CompareOp::Gt:
      return order(a, b) > 0;
    case CompareOp::Ge:
      return order(a, b) >= 0;
    case CompareOp::In:
      return contains(b, a);
    case CompareOp::NotIn:
      return !contains(b, a);
  }
  return false;
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::Undefined:
      return false;
    case Value::Kind::String:
      if (!item.is_string())
        throw TemplateError("'in <string>' requires a string as left operand, not '" +
                            item.type_name() + "'");
      return find_bytes(container.as_string(), item.as_string(), 0) != std::string::npos;
    case Value::Kind::List:
      for (const auto& v : container.as_list())
        if (equals(v, item)) return true;
      return false;
    case Value::Kind::Dict:
    case Value::Kind::Namespace:
      return item.is_string() && container.find(item.as_string()) != nullptr;
    default:
      throw TemplateError("argument of type '" + container.type_name() + "' is not iterable");
  }
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return {};
    case Value::Kind::List:
      charge_steps(v.as_list().size());
      return v.as_list();
    case Value::Kind::Dict: {
      charge_steps(v.as_dict().size());
      std::vector<Value> keys;
      for (const auto& [k, unused] : v.as_dict()) keys.emplace_back(k);
      return keys;
    }
    case Value::Kind::String: {
      charge_steps(code_point_count(v.as_string()));  // a Value each, before any is made
      std::vector<Value> chars;
      for (auto cp : code_points(v.as_string())) chars.emplace_back(std::string(cp));
      return chars;
    }
    default:
      throw TemplateError("'" + v.type_name() + "' object is not iterable");
  }
}

Value get_attr(const Value& object, const std::string& name) {
  if (object.is_undefined()) object.throw_undefined();
  if (const Value* v = object.find(name)) return *v;
  return Value::undefined("'" + object.type_name() + "' object has no attribute '" + name + "'");
}

Value get_item(const Value& object, const Value& key) {
  if (object.is_undefined()) object.throw_undefined();
  if (key.is_string()) {
    if (const Value* v = object.find(key.as_string())) return *v;
    return Value::undefined("'" + object.type_name() + "' object has no key " + key.repr());
  }
  if (key.kind() == Value::Kind::Int || key.kind() == Value::Kind::Bool) {
    int64_t i = key.as_int();
    if (object.is_list()) {
      const auto& list = object.as_list();
      const auto n = static_cast<int64_t>(list.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return list[static_cast<size_t>(i)];
      return Value::undefined("list index " + key.repr() + " out of range");
    }
    if (object.is_string()) {
      const std::string& s = object.as_string();
      const auto n = static_cast<int64_t>(code_point_count(s));
      if (i < 0) i += n;
      if (i >= 0 && i < n) return std::string(code_point_at(s, static_cast<size_t>(i)));
      return Value::undefined("string index " + key.repr() + " out of range");
    }
  }
  return Value::undefined("'" + object.type_name() + "' object has no item " + key.repr());
}

Value slice(const Value& object, std::optional<int64_t> start, std::optional<int64_t> stop,
            std::optional<int64_t> step_opt) {
  if (object.is_undefined()) object.throw_undefined();
  std::vector<std::string_view> cps;
  int64_t n = 0;
  if (object.is_string()) {
    cps = code_points(object.as_string());
    n = static_cast<int64_t>(cps.size());
  } else if (object.is_list()) {
    n = static_cast<int64_t>(object.as_list().size());
  } else {
    throw TemplateError("'" + object.type_name() + "' object cannot be sliced");
  }
  const int64_t step = step_opt.value_or(1);
  if (step == 0) throw TemplateError("slice step cannot be zero");
  // Python's slice.indices(): bounds clamped into [0, n] going forward, [-1, n - 1] backward.
  auto clamp = [&](std::optional<int64_t> v, int64_t if_absent) {
    if (!v) return if_absent;
    int64_t i = *v;
    if (i < 0 && !add_fits(i, n, &i)) i = -1;  // far below: before the first element
    if (i < 0) return step > 0 ? int64_t{0} : int64_t{-1};
    if (i >= n) return step > 0 ? n : n - 1;
    return i;
  };
  const int64_t first = clamp(start, step > 0 ? 0 : n - 1);
  const int64_t last = clamp(stop, step > 0 ? n : -1);
  // How many elements: computed in unsigned arithmetic, so that no step (INT64_MIN
  // included) can overflow the index; every index visited lies in [0, n).
  const uint64_t abs_step =
      step > 0 ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
  const uint64_t span = step > 0 ? (last > first ? static_cast<uint64_t>(last - first) : 0)
                                 : (first > last ? static_cast<uint64_t>(first - last) : 0);
  const uint64_t count = span == 0 ? 0 : (span - 1) / abs_step + 1;
  charge_steps(count);
  StringBuilder s;
  Value::List list;
  for (uint64_t k = 0; k < count; ++k) {
    const uint64_t offset = k * abs_step;  // < span <= n
    const auto i = static_cast<size_t>(step > 0 ? first + static_cast<int64_t>(offset)
                                                : first - static_cast<int64_t>(offset));
    if (object.is_string())
      s += cps[i];
    else
      list.push_back(object.as_list()[i]);
  }
  if (object.is_string()) return s.take();
  return object.is_tuple() ? Value::tuple(std::move(list)) : Value(std::move(list));
}

}  // namespace coil::jinja
