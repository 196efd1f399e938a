#include "budget.hpp"

#include "coil/limits.hpp"
#include "value.hpp"

namespace coil::jinja {
namespace {

thread_local Budget* current = nullptr;

[[noreturn]] void too_much_work() {
  throw TemplateError("the template does too much work (loops, calls and text built: more than " +
                      std::to_string(limits::kTemplateWork) + " units)");
}

}  // namespace

void Budget::charge_steps(uint64_t n) {
  if (n > limits::kTemplateWork / limits::kTemplateStepCost) too_much_work();
  charge_bytes(n * limits::kTemplateStepCost);
}

void Budget::charge_bytes(uint64_t n) {
  if (n > limits::kTemplateWork - work_) too_much_work();
  work_ += n;
}

void Budget::enter() {
  if (++depth_ > limits::kTemplateDepth) {
    --depth_;
    throw TemplateError(
        "the template nests too deeply (statements, expressions and macro calls "
        "more than " +
        std::to_string(limits::kTemplateDepth) + " levels deep)");
  }
}

BudgetScope::BudgetScope(Budget& budget) : previous_(current) {
  current = &budget;
}
BudgetScope::~BudgetScope() {
  current = previous_;
}

void charge_steps(uint64_t n) {
  if (current) current->charge_steps(n);
}
void charge_bytes(uint64_t n) {
  if (current) current->charge_bytes(n);
}

Depth::Depth() : budget_(current) {
  if (budget_) budget_->enter();
}
Depth::~Depth() {
  if (budget_) budget_->leave();
}

StringBuilder& StringBuilder::operator+=(std::string_view piece) {
  if (piece.size() > limits::kTemplateStringBytes - out_.size())
    throw TemplateError("string too long (more than " +
                        std::to_string(limits::kTemplateStringBytes) + " bytes)");
  charge_bytes(piece.size());
  out_ += piece;
  return *this;
}

void check_string_size(uint64_t bytes) {
  if (bytes > limits::kTemplateStringBytes)
    throw TemplateError("string too long (more than " +
                        std::to_string(limits::kTemplateStringBytes) + " bytes)");
  charge_bytes(bytes);
}

void check_list_size(uint64_t items) {
  if (items > limits::kTemplateListItems)
    throw TemplateError("list too long (more than " + std::to_string(limits::kTemplateListItems) +
                        " items)");
  charge_steps(items);
}

}  // namespace coil::jinja
