// The work one render may do (limits.hpp): everything in the template engine that loops,
// builds, copies or scans charges the budget of the render running on this thread, and
// every recursion (statements, expressions, macro calls) enters one level of its depth.
// A template that exceeds a limit stops with a TemplateError saying which, instead of
// hanging, exhausting memory or overflowing the stack. Without a render running (parsing,
// converting variables), charging is free.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace coil::jinja {

class Budget {
 public:
  void charge_steps(uint64_t n);  // statements, expressions, iterations, calls, elements
  void charge_bytes(uint64_t n);  // bytes built, copied or scanned
  void enter();                   // one level deeper
  void leave() { --depth_; }

 private:
  uint64_t work_ = 0;
  int depth_ = 0;
};

// Installs `budget` as this thread's for as long as the scope lives.
class BudgetScope {
 public:
  explicit BudgetScope(Budget& budget);
  ~BudgetScope();
  BudgetScope(const BudgetScope&) = delete;
  BudgetScope& operator=(const BudgetScope&) = delete;

 private:
  Budget* previous_;
};

// Charges this thread's budget, if one is installed.
void charge_steps(uint64_t n = 1);
void charge_bytes(uint64_t n);

// One level of recursion of this thread's render while alive.
class Depth {
 public:
  Depth();
  ~Depth();
  Depth(const Depth&) = delete;
  Depth& operator=(const Depth&) = delete;

 private:
  Budget* budget_;
};

// A string that a builtin builds piece by piece: every append is charged, and the string may
// not grow beyond limits::kTemplateStringBytes.
class StringBuilder {
 public:
  StringBuilder& operator+=(std::string_view piece);
  StringBuilder& operator+=(char c) { return *this += std::string_view(&c, 1); }
  std::string& str() { return out_; }
  std::string take() { return std::move(out_); }
  size_t size() const { return out_.size(); }

 private:
  std::string out_;
};

// Throws "string too long" unless a string of `bytes` may be built (and charges it).
void check_string_size(uint64_t bytes);
// Throws "list too long" unless a list of `items` may be built (and charges it).
void check_list_size(uint64_t items);

}  // namespace coil::jinja
