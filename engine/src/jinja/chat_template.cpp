// coil::ChatTemplate: compiles a template once, renders it with the chat's messages.
#include <nlohmann/json.hpp>

#include "coil/chat.hpp"
#include "coil/error.hpp"
#include "coil/limits.hpp"
#include "evaluator.hpp"
#include "json.hpp"
#include "parser.hpp"

namespace coil {

namespace {

// ChatML, the format of falcon-mamba-7b-instruct.
constexpr const char* kChatML =
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

}  // namespace

struct ChatTemplate::Impl {
  std::string source;
  std::string origin;  // the file it came from, or ""
  jinja::Body body;

  // Errors name the file the template came from (when known).
  std::string where() const { return origin.empty() ? "" : origin + ": "; }

  std::string render(jinja::Value::Dict variables) const {
    jinja::Evaluator evaluator(std::move(variables));
    try {
      return evaluator.render(body);
    } catch (const jinja::RaisedError& e) {
      throw Error(e.what());
    } catch (const jinja::TemplateError& e) {
      std::string at;
      if (auto pos = evaluator.error_pos())
        at = " at line " + std::to_string(pos->line) + ", column " + std::to_string(pos->column);
      throw Error(where() + "chat template: " + e.what() + at);
    } catch (...) {
      rethrow_as_error(where() + "chat template");
    }
  }
};

ChatTemplate::ChatTemplate(std::string source, std::string origin)
    : impl_(std::make_unique<Impl>()) {
  impl_->source = std::move(source);
  impl_->origin = std::move(origin);
  if (impl_->source.size() > limits::kTemplateSourceBytes)
    throw Error(impl_->where() + "chat template is too large (" +
                std::to_string(impl_->source.size()) + " bytes, at most " +
                std::to_string(limits::kTemplateSourceBytes) + ")");
  try {
    impl_->body = jinja::parse(impl_->source);
  } catch (const Error& e) {
    throw Error(impl_->where() + e.what());
  } catch (...) {
    rethrow_as_error(impl_->where() + "chat template");
  }
}

ChatTemplate::~ChatTemplate() = default;
ChatTemplate::ChatTemplate(ChatTemplate&&) noexcept = default;
ChatTemplate& ChatTemplate::operator=(ChatTemplate&&) noexcept = default;

ChatTemplate ChatTemplate::chatml() {
  return ChatTemplate(kChatML);
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages,
                                 bool add_generation_prompt, const std::string& bos_token,
                                 const std::string& eos_token) const {
  jinja::Value::List list;
  list.reserve(messages.size());
  for (const auto& m : messages)
    list.emplace_back(jinja::Value::Dict{{"role", m.role}, {"content", m.content}});
  return impl_->render({{"messages", std::move(list)},
                        {"add_generation_prompt", add_generation_prompt},
                        {"bos_token", bos_token},
                        {"eos_token", eos_token}});
}

std::string ChatTemplate::render_with(const nlohmann::ordered_json& variables) const {
  if (!variables.is_object()) throw Error("chat template: the variables must be a JSON object");
  jinja::Value::Dict vars;
  for (const auto& [key, value] : variables.items()) {
    try {
      vars.emplace_back(key, jinja::from_json(value));
    } catch (const jinja::TemplateError& e) {
      throw Error("chat template: variable '" + key + "': " + e.what());
    } catch (...) {
      rethrow_as_error("chat template: variable '" + key + "'");
    }
  }
  return impl_->render(std::move(vars));
}

const std::string& ChatTemplate::source() const {
  return impl_->source;
}

}  // namespace coil
