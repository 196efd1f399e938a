// The syntax tree of a chat template: statements (text, output, if, for, set, macro...)
// holding expressions. Every node keeps the position of its source for error messages.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "lexer.hpp"
#include "value.hpp"

namespace coil::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct ArgsAst {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
};

enum class UnaryOp { Neg, Pos, Not };
enum class BinaryOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow, Concat, And, Or };
enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

struct LiteralExpr {
  Value value;
};
struct NameExpr {
  std::string name;
};
struct ListExpr {  // [a, b] and tuples (a, b)
  std::vector<ExprPtr> items;
  bool tuple = false;
};
struct DictExpr {
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
};
struct AttrExpr {  // object.name
  ExprPtr object;
  std::string name;
};
struct ItemExpr {  // object[key]
  ExprPtr object;
  ExprPtr key;
};
struct SliceExpr {  // object[start:stop:step], each part optional
  ExprPtr object, start, stop, step;
};
struct CallExpr {
  ExprPtr callee;
  ArgsAst args;
};
struct FilterExpr {  // operand | name(args)
  ExprPtr operand;
  std::string name;
  ArgsAst args;
};
struct TestExpr {  // operand is [not] name(args)
  ExprPtr operand;
  std::string name;
  ArgsAst args;
  bool negated = false;
};
struct UnaryExpr {
  UnaryOp op;
  ExprPtr operand;
};
struct BinaryExpr {
  BinaryOp op;
  ExprPtr left, right;
};
struct CompareExpr {  // a < b <= c: chained as in Python
  ExprPtr first;
  std::vector<std::pair<CompareOp, ExprPtr>> rest;
};
struct CondExpr {  // then if cond else otherwise (otherwise may be null: undefined)
  ExprPtr cond, then, otherwise;
};

struct Expr {
  Pos pos;
  int depth = 1;  // of this tree of expressions, bounded by the parser
  std::variant<LiteralExpr, NameExpr, ListExpr, DictExpr, AttrExpr, ItemExpr, SliceExpr, CallExpr,
               FilterExpr, TestExpr, UnaryExpr, BinaryExpr, CompareExpr, CondExpr>
      node;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct TextStmt {
  std::string text;
};
struct OutputStmt {  // {{ expr }}
  ExprPtr expr;
};
struct IfStmt {
  std::vector<std::pair<ExprPtr, Body>> branches;  // if, elif...
  Body otherwise;
};
struct ForStmt {
  std::vector<std::string> targets;  // for a, b in ...
  ExprPtr iterable;
  ExprPtr filter;  // for x in xs if cond
  Body body;
  Body otherwise;  // {% else %}: when nothing was iterated
};
struct SetStmt {
  std::vector<std::string> targets;  // set a = ..., set a, b = ...
  std::string attribute;             // set ns.attribute = ... (one target)
  ExprPtr value;                     // null for {% set x %}...{% endset %}
  Body body;
};
struct MacroStmt {
  std::string name;
  std::vector<std::pair<std::string, ExprPtr>> params;  // default may be null
  Body body;
};
struct BlockStmt {  // {% generation %}...{% endgeneration %}: renders its body
  Body body;
};
struct BreakStmt {};
struct ContinueStmt {};

struct Stmt {
  Pos pos;
  std::variant<TextStmt, OutputStmt, IfStmt, ForStmt, SetStmt, MacroStmt, BlockStmt, BreakStmt,
               ContinueStmt>
      node;
};

}  // namespace coil::jinja
