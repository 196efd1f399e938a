#include "evaluator.hpp"

#include "budget.hpp"
#include "coil/limits.hpp"
#include "filters.hpp"
#include "globals.hpp"
#include "methods.hpp"
#include "operators.hpp"

namespace coil::jinja {
namespace {

std::optional<int64_t> slice_bound(const Value& v) {
  if (v.is_none()) return std::nullopt;
  if (v.is_undefined()) v.throw_undefined();
  if (v.kind() != Value::Kind::Int && v.kind() != Value::Kind::Bool)
    throw TemplateError("slice indices must be integers or none, not '" + v.type_name() + "'");
  return v.as_int();
}

}  // namespace

Evaluator::Evaluator(Value::Dict variables) : variables_(std::move(variables)) {}

Evaluator::~Evaluator() {
  for (const auto& ns : namespaces_) ns.clear_namespace();
}

std::string Evaluator::render(const Body& body) {
  Budget budget;  // limits.hpp: work, depth and output of this render
  BudgetScope scope(budget);
  scopes_.assign(1, Frame{});
  out_.clear();
  error_pos_.reset();
  exec(body);
  return std::move(out_);
}

void Evaluator::write(const std::string& text) {
  if (text.size() > limits::kTemplateOutputBytes - out_.size())
    throw TemplateError("the template's output is too large (more than " +
                        std::to_string(limits::kTemplateOutputBytes) + " bytes)");
  charge_bytes(text.size());
  out_ += text;
}

// ---- statements ----

Evaluator::Flow Evaluator::exec(const Body& body) {
  for (const auto& stmt : body) {
    const Flow flow = exec(*stmt);
    if (flow != Flow::Normal) return flow;
  }
  return Flow::Normal;
}

Evaluator::Flow Evaluator::exec(const Stmt& stmt) {
  try {
    const Depth depth;
    charge_steps();
    return std::visit([&](const auto& node) { return exec_node(node, stmt); }, stmt.node);
  } catch (const TemplateError&) {
    if (!error_pos_) error_pos_ = stmt.pos;
    throw;
  }
}

Evaluator::Flow Evaluator::exec_node(const TextStmt& s, const Stmt&) {
  write(s.text);
  return Flow::Normal;
}

Evaluator::Flow Evaluator::exec_node(const OutputStmt& s, const Stmt&) {
  write(eval(*s.expr).str());
  return Flow::Normal;
}

Evaluator::Flow Evaluator::exec_node(const IfStmt& s, const Stmt&) {
  for (const auto& [cond, body] : s.branches)
    if (eval(*cond).truthy()) return exec(body);
  return exec(s.otherwise);
}

Evaluator::Flow Evaluator::exec_node(const ForStmt& s, const Stmt&) {
  std::vector<Value> items = iterate(eval(*s.iterable));
  scopes_.emplace_back();
  if (s.filter) {  // `for x in xs if cond`: loop.* counts only the kept items
    std::vector<Value> kept;
    for (auto& item : items) {
      charge_steps();
      assign(s.targets, item);
      if (eval(*s.filter).truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    scopes_.pop_back();
    return exec(s.otherwise);
  }
  const auto n = static_cast<int64_t>(items.size());
  for (int64_t i = 0; i < n; ++i) {
    const auto idx = static_cast<size_t>(i);
    charge_steps();          // an iteration costs even when its body is empty
    scopes_.back().clear();  // each iteration starts afresh, as in Jinja
    assign(s.targets, items[idx]);
    Value::Dict loop = {
        {"index", i + 1},
        {"index0", i},
        {"revindex", n - i},
        {"revindex0", n - i - 1},
        {"first", i == 0},
        {"last", i == n - 1},
        {"length", n},
        {"depth", 1},
        {"depth0", 0},
        {"previtem", i > 0 ? items[idx - 1] : Value::undefined("there is no previous item")},
        {"nextitem", i + 1 < n ? items[idx + 1] : Value::undefined("there is no next item")},
        {"cycle", Value::function([i](const CallArgs& a) -> Value {
           if (a.positional.empty()) throw TemplateError("loop.cycle() needs arguments");
           return a.positional[static_cast<size_t>(i) % a.positional.size()];
         })},
    };
    scopes_.back()["loop"] = Value(std::move(loop));
    if (exec(s.body) == Flow::Break) break;
  }
  scopes_.pop_back();
  return Flow::Normal;
}

Evaluator::Flow Evaluator::exec_node(const SetStmt& s, const Stmt&) {
  Value value;
  if (s.value) {
    value = eval(*s.value);
  } else {  // {% set x %}...{% endset %} captures what the body renders
    std::string saved = std::move(out_);
    out_.clear();
    exec(s.body);
    value = std::move(out_);
    out_ = std::move(saved);
  }
  if (!s.attribute.empty()) {
    Value target = lookup(s.targets[0]);
    if (target.is_undefined()) target.throw_undefined();
    target.set_attribute(s.attribute, std::move(value));
  } else {
    assign(s.targets, value);
  }
  return Flow::Normal;
}

Evaluator::Flow Evaluator::exec_node(const MacroStmt& s, const Stmt&) {
  scopes_.back()[s.name] =
      Value::function([this, &s](const CallArgs& args) { return call_macro(s, args); });
  return Flow::Normal;
}

Evaluator::Flow Evaluator::exec_node(const BlockStmt& s, const Stmt&) {
  return exec(s.body);
}
Evaluator::Flow Evaluator::exec_node(const BreakStmt&, const Stmt&) {
  return Flow::Break;
}
Evaluator::Flow Evaluator::exec_node(const ContinueStmt&, const Stmt&) {
  return Flow::Continue;
}

Value Evaluator::call_macro(const MacroStmt& m, const CallArgs& args) {
  const Depth depth;  // counted with statements and expressions (budget.hpp)
  charge_steps();
  if (args.positional.size() > m.params.size())
    throw TemplateError("macro '" + m.name + "' takes " + std::to_string(m.params.size()) +
                        " argument(s), got " + std::to_string(args.positional.size()));
  for (const auto& [k, v] : args.keyword) {
    bool known = false;
    for (const auto& p : m.params) known = known || p.first == k;
    if (!known) throw TemplateError("macro '" + m.name + "' has no parameter '" + k + "'");
  }
  Frame frame;
  for (size_t i = 0; i < m.params.size(); ++i) {
    const auto& [name, def] = m.params[i];
    if (const Value* v = args.get(i, name))
      frame[name] = *v;
    else if (def)
      frame[name] = eval(*def);
    else
      frame[name] = Value::undefined("macro argument '" + name + "' was not given");
  }
  // The body sees the template's top level and its arguments, not the caller's locals.
  std::vector<Frame> saved_scopes = std::move(scopes_);
  scopes_ = {saved_scopes[0], std::move(frame)};
  std::string saved_out = std::move(out_);
  out_.clear();
  exec(m.body);
  std::string result = std::move(out_);
  out_ = std::move(saved_out);
  scopes_ = std::move(saved_scopes);
  return result;
}

Value Evaluator::lookup(const std::string& name) const {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto found = it->find(name);
    if (found != it->end()) return found->second;
  }
  for (const auto& [k, v] : variables_)
    if (k == name) return v;
  if (const Value* g = find_global(name)) return *g;
  return Value::undefined("'" + name + "' is undefined");
}

void Evaluator::assign(const std::vector<std::string>& targets, const Value& value) {
  Frame& frame = scopes_.back();
  if (targets.size() == 1) {
    frame[targets[0]] = value;
    return;
  }
  if (value.is_undefined()) value.throw_undefined();
  const std::vector<Value> items = iterate(value);
  if (items.size() != targets.size())
    throw TemplateError("cannot unpack " + std::to_string(items.size()) + " values into " +
                        std::to_string(targets.size()) + " variables");
  for (size_t i = 0; i < targets.size(); ++i) frame[targets[i]] = items[i];
}

// ---- expressions ----

Value Evaluator::eval(const Expr& expr) {
  try {
    const Depth depth;
    charge_steps();
    return std::visit([&](const auto& node) { return eval_node(node); }, expr.node);
  } catch (const TemplateError&) {
    if (!error_pos_) error_pos_ = expr.pos;
    throw;
  }
}

Value Evaluator::eval_node(const LiteralExpr& e) {
  return e.value;
}
Value Evaluator::eval_node(const NameExpr& e) {
  return lookup(e.name);
}

Value Evaluator::eval_node(const ListExpr& e) {
  Value::List items;
  for (const auto& item : e.items) items.push_back(eval(*item));
  return e.tuple ? Value::tuple(std::move(items)) : Value(std::move(items));
}

Value Evaluator::eval_node(const DictExpr& e) {
  Value d = Value::make_namespace({});  // set_attribute: a repeated key keeps the last value
  for (const auto& [k, v] : e.items) {
    Value key = eval(*k);
    if (!key.is_string())
      throw TemplateError("dict keys must be strings, not '" + key.type_name() + "'");
    d.set_attribute(key.as_string(), eval(*v));
  }
  return Value::Dict(d.as_dict());
}

Value Evaluator::eval_node(const AttrExpr& e) {
  return get_attr(eval(*e.object), e.name);
}
Value Evaluator::eval_node(const ItemExpr& e) {
  return get_item(eval(*e.object), eval(*e.key));
}

Value Evaluator::eval_node(const SliceExpr& e) {
  Value object = eval(*e.object);
  auto bound = [&](const ExprPtr& p) -> std::optional<int64_t> {
    if (!p) return std::nullopt;
    return slice_bound(eval(*p));
  };
  auto start = bound(e.start);
  auto stop = bound(e.stop);
  auto step = bound(e.step);
  return slice(object, start, stop, step);
}

CallArgs Evaluator::eval_args(const ArgsAst& args) {
  CallArgs out;
  for (const auto& p : args.positional) out.positional.push_back(eval(*p));
  for (const auto& [k, v] : args.keyword) out.keyword.emplace_back(k, eval(*v));
  return out;
}

Value Evaluator::eval_node(const CallExpr& e) {
  if (const auto* attr = std::get_if<AttrExpr>(&e.callee->node)) {  // object.method(args)
    Value object = eval(*attr->object);
    if (object.is_undefined()) object.throw_undefined();
    CallArgs args = eval_args(e.args);
    if (auto result = call_method(object, attr->name, args)) return *result;
    if (const Value* f = object.find(attr->name); f && f->is_function())
      return f->as_function()(args);
    throw TemplateError("'" + object.type_name() + "' object has no method '" + attr->name + "'");
  }
  Value callee = eval(*e.callee);
  if (callee.is_undefined()) callee.throw_undefined();
  if (!callee.is_function())
    throw TemplateError("'" + callee.type_name() + "' object is not callable");
  Value result = callee.as_function()(eval_args(e.args));
  if (result.is_namespace()) namespaces_.push_back(result);
  return result;
}

Value Evaluator::eval_node(const FilterExpr& e) {
  Value operand = eval(*e.operand);
  return apply_filter(e.name, operand, eval_args(e.args));
}

Value Evaluator::eval_node(const TestExpr& e) {
  Value operand = eval(*e.operand);
  return apply_test(e.name, operand, eval_args(e.args)) != e.negated;
}

Value Evaluator::eval_node(const UnaryExpr& e) {
  Value operand = eval(*e.operand);
  if (e.op == UnaryOp::Not) return !operand.truthy();
  return unary_op(e.op, operand);
}

Value Evaluator::eval_node(const BinaryExpr& e) {
  Value left = eval(*e.left);
  if (e.op == BinaryOp::And) return left.truthy() ? eval(*e.right) : left;
  if (e.op == BinaryOp::Or) return left.truthy() ? left : eval(*e.right);
  Value right = eval(*e.right);
  return binary_op(e.op, left, right);
}

Value Evaluator::eval_node(const CompareExpr& e) {
  Value left = eval(*e.first);
  for (const auto& [op, expr] : e.rest) {
    Value right = eval(*expr);
    if (!compare(op, left, right)) return false;
    left = std::move(right);
  }
  return true;
}

Value Evaluator::eval_node(const CondExpr& e) {
  if (eval(*e.cond).truthy()) return eval(*e.then);
  if (e.otherwise) return eval(*e.otherwise);
  return Value::undefined("the inline if-expression had no else");
}

}  // namespace coil::jinja
