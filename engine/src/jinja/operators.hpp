// Python/Jinja semantics of the operators and of item and attribute access on Values.
// Failures throw TemplateError with a Python-like reason.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ast.hpp"
#include "value.hpp"

namespace coil::jinja {

// + - * / // % ** and ~ (and/or short-circuit in the evaluator).
Value binary_op(BinaryOp op, const Value& a, const Value& b);
Value unary_op(UnaryOp op, const Value& v);  // - and + (not is truthiness)

bool equals(const Value& a, const Value& b);
bool compare(CompareOp op, const Value& a, const Value& b);
// -1, 0 or 1 for numbers, strings and lists; throws for values with no order.
int order(const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);  // item in container

// for-loop iteration: list items, dict keys, string code points; undefined is empty.
std::vector<Value> iterate(const Value& v);

Value get_attr(const Value& object, const std::string& name);  // object.name
Value get_item(const Value& object, const Value& key);         // object[key]
Value slice(const Value& object, std::optional<int64_t> start, std::optional<int64_t> stop,
            std::optional<int64_t> step);

}  // namespace coil::jinja
