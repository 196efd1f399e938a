// Recursive descent with Jinja's precedence, loosest first: `x if c else y`, or, and, not,
// comparisons (== != < <= > >= in, not in), + -, ~, * / // %, **, unary - +, then
// postfix (.attr [item] [a:b] (call)) and filters/tests (| f, is t), which bind tightest.
#include "parser.hpp"

#include <algorithm>

#include "filters.hpp"

namespace coil::jinja {
namespace {

// Expressions nest at most this deep, which bounds the recursion evaluating (and
// destroying) them, whatever the template.
constexpr int kMaxExprDepth = 200;

int depth(const ExprPtr& e) {
  return e ? e->depth : 0;
}
int depth(const ArgsAst& a) {
  int d = 0;
  for (const auto& p : a.positional) d = std::max(d, depth(p));
  for (const auto& [k, v] : a.keyword) d = std::max(d, depth(v));
  return d;
}
int children_depth(const LiteralExpr&) {
  return 0;
}
int children_depth(const NameExpr&) {
  return 0;
}
int children_depth(const ListExpr& e) {
  int d = 0;
  for (const auto& item : e.items) d = std::max(d, depth(item));
  return d;
}
int children_depth(const DictExpr& e) {
  int d = 0;
  for (const auto& [k, v] : e.items) d = std::max({d, depth(k), depth(v)});
  return d;
}
int children_depth(const AttrExpr& e) {
  return depth(e.object);
}
int children_depth(const ItemExpr& e) {
  return std::max(depth(e.object), depth(e.key));
}
int children_depth(const SliceExpr& e) {
  return std::max({depth(e.object), depth(e.start), depth(e.stop), depth(e.step)});
}
int children_depth(const CallExpr& e) {
  return std::max(depth(e.callee), depth(e.args));
}
int children_depth(const FilterExpr& e) {
  return std::max(depth(e.operand), depth(e.args));
}
int children_depth(const TestExpr& e) {
  return std::max(depth(e.operand), depth(e.args));
}
int children_depth(const UnaryExpr& e) {
  return depth(e.operand);
}
int children_depth(const BinaryExpr& e) {
  return std::max(depth(e.left), depth(e.right));
}
int children_depth(const CompareExpr& e) {
  int d = depth(e.first);
  for (const auto& [op, x] : e.rest) d = std::max(d, depth(x));
  return d;
}
int children_depth(const CondExpr& e) {
  return std::max({depth(e.cond), depth(e.then), depth(e.otherwise)});
}

template <class T>
ExprPtr make_expr(Pos pos, T node) {
  auto e = std::make_unique<Expr>();
  e->pos = pos;
  e->depth = 1 + children_depth(node);
  if (e->depth > kMaxExprDepth) syntax_error("expression nested too deeply", pos);
  e->node = std::move(node);
  return e;
}

template <class T>
StmtPtr make_stmt(Pos pos, T node) {
  auto s = std::make_unique<Stmt>();
  s->pos = pos;
  s->node = std::move(node);
  return s;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  Body parse_template() {
    Body body;
    parse_body(body, {}, "", Pos{});
    return body;
  }

 private:
  std::vector<Token> toks_;
  size_t i_ = 0;
  int loop_depth_ = 0;
  std::vector<std::string> open_;  // end tags awaited, innermost last
  int nesting_ = 0;                // of blocks and expressions, bounded to bound recursion

  static constexpr int kMaxNesting = 100;

  // Counts one level of nesting while alive.
  struct Nest {
    Parser& p;
    explicit Nest(Parser& parser) : p(parser) {
      if (++p.nesting_ > kMaxNesting) syntax_error("nested too deeply", p.cur().pos);
    }
    ~Nest() { --p.nesting_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
  };

  const Token& cur() const { return toks_[i_]; }
  const Token& peek(size_t k = 1) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  const Token& next() {
    const Token& t = toks_[i_];
    if (i_ + 1 < toks_.size()) ++i_;
    return t;
  }
  bool is_op(std::string_view op) const { return cur().kind == Tok::Op && cur().text == op; }
  bool is_name(std::string_view n) const { return cur().kind == Tok::Name && cur().text == n; }
  bool skip_op(std::string_view op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(std::string_view n) {
    if (!is_name(n)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail_expected(const std::string& what) const {
    syntax_error("expected " + what + " but found " + describe(cur()), cur().pos);
  }
  void expect_op(std::string_view op) {
    if (!skip_op(op)) fail_expected("'" + std::string(op) + "'");
  }
  std::string expect_name(const std::string& what) {
    if (cur().kind != Tok::Name) fail_expected(what);
    return next().text;
  }
  void expect_block_end() {
    if (cur().kind != Tok::BlockEnd) fail_expected("'%}'");
    next();
  }

  // Statements up to a `{% <one of ends>` tag, whose name it returns, positioned after the
  // name. `opener` names the block being closed, for the error when the template ends first.
  std::string parse_body(Body& out, std::initializer_list<std::string_view> ends,
                         std::string_view opener, Pos opener_pos) {
    while (true) {
      const Token& tok = cur();
      switch (tok.kind) {
        case Tok::Text:
          out.push_back(make_stmt(tok.pos, TextStmt{tok.text}));
          next();
          break;
        case Tok::VarBegin: {
          const Pos pos = next().pos;
          ExprPtr e = parse_expression();
          if (cur().kind != Tok::VarEnd) fail_expected("'}}'");
          next();
          out.push_back(make_stmt(pos, OutputStmt{std::move(e)}));
          break;
        }
        case Tok::BlockBegin: {
          const Token& name = peek();
          if (name.kind != Tok::Name)
            syntax_error("expected a tag name after '{%' but found " + describe(name), name.pos);
          if (std::find(ends.begin(), ends.end(), name.text) != ends.end()) {
            i_ += 2;
            return name.text;
          }
          const Pos pos = next().pos;
          out.push_back(parse_statement(pos));
          break;
        }
        case Tok::Eof:
          if (ends.size() == 0) return "";
          syntax_error("unclosed '{% " + std::string(opener) + " %}' (missing '{% " +
                           std::string(*(ends.end() - 1)) + " %}')",
                       opener_pos);
        default:
          syntax_error("unexpected " + describe(tok), tok.pos);
      }
    }
  }

  StmtPtr parse_statement(Pos pos) {
    Nest nest(*this);
    const Token& tok = next();
    const std::string name = tok.text;
    if (name == "if") return parse_if(pos);
    if (name == "for") return parse_for(pos);
    if (name == "set") return parse_set(pos);
    if (name == "macro") return parse_macro(pos);
    if (name == "generation") {
      BlockStmt block;
      expect_block_end();
      parse_block(block.body, "generation", "endgeneration", pos);
      expect_block_end();
      return make_stmt(pos, std::move(block));
    }
    if (name == "break" || name == "continue") {
      if (loop_depth_ == 0) syntax_error("'" + name + "' outside a for loop", tok.pos);
      expect_block_end();
      if (name == "break") return make_stmt(pos, BreakStmt{});
      return make_stmt(pos, ContinueStmt{});
    }
    static const char* const unsupported[] = {"include", "extends",   "block",  "import",
                                              "from",    "call",      "filter", "with",
                                              "do",      "autoescape"};
    for (const char* u : unsupported)
      if (name == u) syntax_error("unsupported tag '" + name + "'", tok.pos);
    if (name.starts_with("end") || name == "else" || name == "elif")
      syntax_error("unexpected '" + name + "'" +
                       (open_.empty() ? std::string()
                                      : " (the innermost open block needs '" + open_.back() + "')"),
                   tok.pos);
    syntax_error("unknown tag '" + name + "'", tok.pos);
  }

  std::string parse_block(Body& out, std::string_view opener, std::string_view end, Pos pos,
                          std::initializer_list<std::string_view> ends = {}) {
    open_.emplace_back(end);
    std::string found =
        ends.size() ? parse_body(out, ends, opener, pos) : parse_body(out, {end}, opener, pos);
    open_.pop_back();
    return found;
  }

  StmtPtr parse_if(Pos pos) {
    IfStmt s;
    ExprPtr cond = parse_expression();
    expect_block_end();
    while (true) {
      Body body;
      const std::string end = parse_block(body, "if", "endif", pos, {"elif", "else", "endif"});
      s.branches.emplace_back(std::move(cond), std::move(body));
      if (end == "elif") {
        cond = parse_expression();
        expect_block_end();
        continue;
      }
      if (end == "else") {
        expect_block_end();
        parse_block(s.otherwise, "if", "endif", pos);
      }
      expect_block_end();
      return make_stmt(pos, std::move(s));
    }
  }

  StmtPtr parse_for(Pos pos) {
    ForStmt s;
    const bool paren = skip_op("(");
    do {
      s.targets.push_back(expect_name("a loop variable name"));
    } while (skip_op(","));
    if (paren) expect_op(")");
    if (!skip_name("in")) fail_expected("'in'");
    s.iterable = parse_expression(false);
    if (skip_name("if")) s.filter = parse_expression();
    if (is_name("recursive")) syntax_error("recursive loops are not supported", cur().pos);
    expect_block_end();
    ++loop_depth_;
    const std::string end = parse_block(s.body, "for", "endfor", pos, {"else", "endfor"});
    --loop_depth_;
    if (end == "else") {
      expect_block_end();
      parse_block(s.otherwise, "for", "endfor", pos);
    }
    expect_block_end();
    return make_stmt(pos, std::move(s));
  }

  StmtPtr parse_set(Pos pos) {
    SetStmt s;
    s.targets.push_back(expect_name("a variable name"));
    if (skip_op(".")) {
      s.attribute = expect_name("an attribute name");
    } else {
      while (skip_op(",")) s.targets.push_back(expect_name("a variable name"));
    }
    if (skip_op("=")) {
      s.value = parse_expression();
      if (is_op(",")) {  // set a, b = 1, 2
        const Pos list_pos = s.value->pos;
        ListExpr items;
        items.tuple = true;
        items.items.push_back(std::move(s.value));
        while (skip_op(",")) items.items.push_back(parse_expression());
        s.value = make_expr(list_pos, std::move(items));
      }
      expect_block_end();
    } else {
      if (!s.attribute.empty() || s.targets.size() > 1) fail_expected("'='");
      expect_block_end();
      parse_block(s.body, "set", "endset", pos);
      expect_block_end();
    }
    return make_stmt(pos, std::move(s));
  }

  StmtPtr parse_macro(Pos pos) {
    MacroStmt m;
    m.name = expect_name("a macro name");
    expect_op("(");
    while (!skip_op(")")) {
      std::string param = expect_name("a parameter name");
      ExprPtr def = skip_op("=") ? parse_expression() : nullptr;
      m.params.emplace_back(std::move(param), std::move(def));
      if (!is_op(")")) expect_op(",");
    }
    expect_block_end();
    const int saved = loop_depth_;
    loop_depth_ = 0;
    parse_block(m.body, "macro", "endmacro", pos);
    loop_depth_ = saved;
    expect_block_end();
    return make_stmt(pos, std::move(m));
  }

  // ---- expressions ----

  ExprPtr parse_expression(bool with_condition = true) {
    Nest nest(*this);
    if (!with_condition) return parse_or();
    const Pos pos = cur().pos;
    ExprPtr e = parse_or();
    while (skip_name("if")) {
      ExprPtr cond = parse_or();
      ExprPtr otherwise = skip_name("else") ? parse_expression() : nullptr;
      e = make_expr(pos, CondExpr{std::move(cond), std::move(e), std::move(otherwise)});
    }
    return e;
  }

  ExprPtr binary(Pos pos, BinaryOp op, ExprPtr l, ExprPtr r) {
    return make_expr(pos, BinaryExpr{op, std::move(l), std::move(r)});
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (is_name("or")) {
      const Pos pos = next().pos;
      e = binary(pos, BinaryOp::Or, std::move(e), parse_and());
    }
    return e;
  }

  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (is_name("and")) {
      const Pos pos = next().pos;
      e = binary(pos, BinaryOp::And, std::move(e), parse_not());
    }
    return e;
  }

  ExprPtr parse_not() {
    Nest nest(*this);
    if (is_name("not")) {
      const Pos pos = next().pos;
      return make_expr(pos, UnaryExpr{UnaryOp::Not, parse_not()});
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const Pos pos = cur().pos;
    ExprPtr first = parse_math1();
    CompareExpr c;
    while (true) {
      static const std::pair<const char*, CompareOp> ops[] = {
          {"==", CompareOp::Eq}, {"!=", CompareOp::Ne}, {"<", CompareOp::Lt},
          {"<=", CompareOp::Le}, {">", CompareOp::Gt},  {">=", CompareOp::Ge}};
      bool matched = false;
      for (const auto& [text, op] : ops)
        if (is_op(text)) {
          next();
          c.rest.emplace_back(op, parse_math1());
          matched = true;
          break;
        }
      if (matched) continue;
      if (skip_name("in")) {
        c.rest.emplace_back(CompareOp::In, parse_math1());
      } else if (is_name("not") && peek().kind == Tok::Name && peek().text == "in") {
        i_ += 2;
        c.rest.emplace_back(CompareOp::NotIn, parse_math1());
      } else {
        break;
      }
    }
    if (c.rest.empty()) return first;
    c.first = std::move(first);
    return make_expr(pos, std::move(c));
  }

  ExprPtr parse_math1() {
    ExprPtr e = parse_concat();
    while (is_op("+") || is_op("-")) {
      const Token& op = next();
      e = binary(op.pos, op.text == "+" ? BinaryOp::Add : BinaryOp::Sub, std::move(e),
                 parse_concat());
    }
    return e;
  }

  ExprPtr parse_concat() {
    ExprPtr e = parse_math2();
    while (is_op("~")) {
      const Pos pos = next().pos;
      e = binary(pos, BinaryOp::Concat, std::move(e), parse_math2());
    }
    return e;
  }

  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    while (true) {
      BinaryOp op;
      if (is_op("*"))
        op = BinaryOp::Mul;
      else if (is_op("/"))
        op = BinaryOp::Div;
      else if (is_op("//"))
        op = BinaryOp::FloorDiv;
      else if (is_op("%"))
        op = BinaryOp::Mod;
      else
        break;
      const Pos pos = next().pos;
      e = binary(pos, op, std::move(e), parse_pow());
    }
    return e;
  }

  ExprPtr parse_pow() {
    ExprPtr e = parse_unary();
    while (is_op("**")) {
      const Pos pos = next().pos;
      e = binary(pos, BinaryOp::Pow, std::move(e), parse_unary());
    }
    return e;
  }

  ExprPtr parse_unary(bool with_filter = true) {
    Nest nest(*this);
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      const Token& op = next();
      e = make_expr(op.pos,
                    UnaryExpr{op.text == "-" ? UnaryOp::Neg : UnaryOp::Pos, parse_unary(false)});
    } else {
      e = parse_primary();
    }
    e = parse_postfix(std::move(e));
    if (with_filter) e = parse_filters(std::move(e));
    return e;
  }

  ExprPtr parse_primary() {
    const Token& tok = cur();
    const Pos pos = tok.pos;
    switch (tok.kind) {
      case Tok::Name: {
        const std::string name = next().text;
        if (name == "true" || name == "True") return make_expr(pos, LiteralExpr{Value(true)});
        if (name == "false" || name == "False") return make_expr(pos, LiteralExpr{Value(false)});
        if (name == "none" || name == "None") return make_expr(pos, LiteralExpr{Value::none()});
        return make_expr(pos, NameExpr{name});
      }
      case Tok::String: {
        std::string s;
        while (cur().kind == Tok::String) s += next().text;  // 'a' 'b' == 'ab'
        return make_expr(pos, LiteralExpr{Value(std::move(s))});
      }
      case Tok::Int:
        return make_expr(pos, LiteralExpr{Value(next().int_value)});
      case Tok::Float:
        return make_expr(pos, LiteralExpr{Value(next().float_value)});
      case Tok::Op:
        if (tok.text == "(") return parse_parenthesized();
        if (tok.text == "[") {
          next();
          ListExpr list;
          while (!skip_op("]")) {
            list.items.push_back(parse_expression());
            if (!is_op("]")) expect_op(",");
          }
          return make_expr(pos, std::move(list));
        }
        if (tok.text == "{") {
          next();
          DictExpr dict;
          while (!skip_op("}")) {
            ExprPtr key = parse_expression();
            expect_op(":");
            dict.items.emplace_back(std::move(key), parse_expression());
            if (!is_op("}")) expect_op(",");
          }
          return make_expr(pos, std::move(dict));
        }
        break;
      default:
        break;
    }
    fail_expected("an expression");
  }

  ExprPtr parse_parenthesized() {
    const Pos pos = next().pos;
    if (skip_op(")")) return make_expr(pos, ListExpr{{}, true});
    ExprPtr e = parse_expression();
    if (!is_op(",")) {
      expect_op(")");
      return e;
    }
    ListExpr tuple;
    tuple.tuple = true;
    tuple.items.push_back(std::move(e));
    while (skip_op(",")) {
      if (is_op(")")) break;
      tuple.items.push_back(parse_expression());
    }
    expect_op(")");
    return make_expr(pos, std::move(tuple));
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      if (is_op(".")) {
        next();
        const Token& tok = cur();
        const Pos pos = e->pos;  // errors point at the start of the whole access
        if (tok.kind == Tok::Name) {
          e = make_expr(pos, AttrExpr{std::move(e), next().text});
        } else if (tok.kind == Tok::Int) {  // x.0 == x[0]
          auto key = make_expr(tok.pos, LiteralExpr{Value(next().int_value)});
          e = make_expr(pos, ItemExpr{std::move(e), std::move(key)});
        } else {
          fail_expected("an attribute name after '.'");
        }
      } else if (is_op("[")) {
        const Pos pos = e->pos;
        next();
        ExprPtr start = is_op(":") ? nullptr : parse_expression();
        if (start && skip_op("]")) {
          e = make_expr(pos, ItemExpr{std::move(e), std::move(start)});
          continue;
        }
        expect_op(":");
        ExprPtr stop = is_op(":") || is_op("]") ? nullptr : parse_expression();
        ExprPtr step;
        if (skip_op(":") && !is_op("]")) step = parse_expression();
        expect_op("]");
        e = make_expr(pos,
                      SliceExpr{std::move(e), std::move(start), std::move(stop), std::move(step)});
      } else if (is_op("(")) {
        const Pos pos = e->pos;
        ArgsAst args = parse_call_args();
        e = make_expr(pos, CallExpr{std::move(e), std::move(args)});
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_filters(ExprPtr e) {
    while (true) {
      if (is_op("|")) {
        next();
        const Token& name = cur();
        if (name.kind != Tok::Name) fail_expected("a filter name after '|'");
        if (!is_filter(name.text)) syntax_error("unknown filter '" + name.text + "'", name.pos);
        const Pos pos = name.pos;
        std::string fname = next().text;
        ArgsAst args = is_op("(") ? parse_call_args() : ArgsAst{};
        e = make_expr(pos, FilterExpr{std::move(e), std::move(fname), std::move(args)});
      } else if (is_name("is")) {
        next();
        const bool negated = skip_name("not");
        const Token& name = cur();
        if (name.kind != Tok::Name) fail_expected("a test name after 'is'");
        if (!is_test(name.text)) syntax_error("unknown test '" + name.text + "'", name.pos);
        const Pos pos = name.pos;
        std::string tname = next().text;
        ArgsAst args;
        if (is_op("(")) {
          args = parse_call_args();
        } else if (starts_test_argument()) {  // `x is divisibleby 3`
          args.positional.push_back(parse_postfix(parse_primary()));
        }
        e = make_expr(pos, TestExpr{std::move(e), std::move(tname), std::move(args), negated});
      } else {
        return e;
      }
    }
  }

  bool starts_test_argument() const {
    const Token& t = cur();
    if (t.kind == Tok::Name) {
      static const char* const stop[] = {"else", "or", "and", "if", "in", "not", "is"};
      return std::none_of(std::begin(stop), std::end(stop),
                          [&](const char* s) { return t.text == s; });
    }
    return t.kind == Tok::String || t.kind == Tok::Int || t.kind == Tok::Float || is_op("[") ||
           is_op("{");
  }

  ArgsAst parse_call_args() {
    expect_op("(");
    ArgsAst args;
    while (!skip_op(")")) {
      if (cur().kind == Tok::Name && peek().kind == Tok::Op && peek().text == "=") {
        std::string name = next().text;
        next();
        args.keyword.emplace_back(std::move(name), parse_expression());
      } else {
        if (!args.keyword.empty())
          syntax_error("positional argument after keyword argument", cur().pos);
        args.positional.push_back(parse_expression());
      }
      if (!is_op(")")) expect_op(",");
    }
    return args;
  }
};

}  // namespace

Body parse(std::string_view source) {
  return Parser(tokenize(source)).parse_template();
}

}  // namespace coil::jinja
