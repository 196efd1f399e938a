#include "args.hpp"

namespace coil::jinja {

ArgReader::ArgReader(std::string_view function, const CallArgs& args, size_t max_positional,
                     std::initializer_list<std::string_view> keywords)
    : function_(function), args_(args) {
  args.check(function, max_positional, keywords);
}

const Value& ArgReader::required(size_t index, std::string_view name) const {
  const Value* v = get(index, name);
  if (!v) throw TemplateError("'" + function_ + "' needs the argument '" + std::string(name) + "'");
  return *v;
}

std::string ArgReader::string(size_t index, std::string_view name, std::string fallback) const {
  const Value* v = get(index, name);
  if (!v || v->is_none()) return fallback;
  if (v->is_undefined()) v->throw_undefined();
  if (!v->is_string())
    throw TemplateError("'" + function_ + "': argument '" + std::string(name) +
                        "' must be a string, not '" + v->type_name() + "'");
  return v->as_string();
}

std::optional<std::string> ArgReader::optional_string(size_t index, std::string_view name) const {
  const Value* v = get(index, name);
  if (!v || v->is_none()) return std::nullopt;
  return string(index, name, "");
}

int64_t ArgReader::integer(size_t index, std::string_view name, int64_t fallback) const {
  const Value* v = get(index, name);
  if (!v || v->is_none()) return fallback;
  if (v->is_undefined()) v->throw_undefined();
  if (v->kind() != Value::Kind::Int && v->kind() != Value::Kind::Bool)
    throw TemplateError("'" + function_ + "': argument '" + std::string(name) +
                        "' must be an integer, not '" + v->type_name() + "'");
  return v->as_int();
}

bool ArgReader::boolean(size_t index, std::string_view name, bool fallback) const {
  const Value* v = get(index, name);
  return v ? v->truthy() : fallback;
}

}  // namespace coil::jinja
