// Renders a parsed template: walks the statements, evaluates expressions with Jinja's
// scoping (a for loop has its own scope; namespace() objects are shared), and records
// where a runtime error happened.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ast.hpp"

namespace coil::jinja {

class Evaluator {
 public:
  // `variables` are the template's inputs (messages, add_generation_prompt, bos_token...).
  explicit Evaluator(Value::Dict variables);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Throws TemplateError (see error_pos()) or RaisedError.
  std::string render(const Body& body);

  // The innermost statement or expression where the last TemplateError was thrown.
  std::optional<Pos> error_pos() const { return error_pos_; }

 private:
  enum class Flow { Normal, Break, Continue };
  using Frame = std::unordered_map<std::string, Value>;

  Value::Dict variables_;
  std::vector<Frame> scopes_;  // [0] is the template's top level
  std::string out_;
  std::optional<Pos> error_pos_;
  std::vector<Value> namespaces_;  // created by this render, emptied at its end

  Flow exec(const Body& body);
  Flow exec(const Stmt& stmt);
  Flow exec_node(const TextStmt& s, const Stmt& stmt);
  Flow exec_node(const OutputStmt& s, const Stmt& stmt);
  Flow exec_node(const IfStmt& s, const Stmt& stmt);
  Flow exec_node(const ForStmt& s, const Stmt& stmt);
  Flow exec_node(const SetStmt& s, const Stmt& stmt);
  Flow exec_node(const MacroStmt& s, const Stmt& stmt);
  Flow exec_node(const BlockStmt& s, const Stmt& stmt);
  Flow exec_node(const BreakStmt& s, const Stmt& stmt);
  Flow exec_node(const ContinueStmt& s, const Stmt& stmt);

  Value eval(const Expr& expr);
  Value eval_node(const LiteralExpr& e);
  Value eval_node(const NameExpr& e);
  Value eval_node(const ListExpr& e);
  Value eval_node(const DictExpr& e);
  Value eval_node(const AttrExpr& e);
  Value eval_node(const ItemExpr& e);
  Value eval_node(const SliceExpr& e);
  Value eval_node(const CallExpr& e);
  Value eval_node(const FilterExpr& e);
  Value eval_node(const TestExpr& e);
  Value eval_node(const UnaryExpr& e);
  Value eval_node(const BinaryExpr& e);
  Value eval_node(const CompareExpr& e);
  Value eval_node(const CondExpr& e);
  CallArgs eval_args(const ArgsAst& args);

  Value lookup(const std::string& name) const;
  void assign(const std::vector<std::string>& targets, const Value& value);
  Value call_macro(const MacroStmt& macro, const CallArgs& args);
  void write(const std::string& text);
};

}  // namespace coil::jinja
