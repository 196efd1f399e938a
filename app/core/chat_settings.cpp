#include "chat_settings.hpp"

#include "chat_store.hpp"

namespace coil::app {

ChatSettings::ChatSettings(storage::ChatStore* store, QObject* parent)
    : QObject(parent), store_(store) {}

QJsonObject ChatSettings::toJson() const {
  return {{"temperature", double(p_.temperature)},
          {"top_k", p_.top_k},
          {"top_p", double(p_.top_p)},
          {"min_p", double(p_.min_p)},
          {"repetition_penalty", double(p_.repetition_penalty)},
          {"max_tokens", maxTokens_},
          {"seed", qint64(p_.seed)}};
}

void ChatSettings::fromJson(const QJsonObject& j, coil::SamplingParams& p, int& maxTokens) {
  p.temperature = float(qBound(0.0, j.value("temperature").toDouble(p.temperature), 5.0));
  p.top_k = qMax(0, j.value("top_k").toInt(p.top_k));
  p.top_p = float(qBound(0.0, j.value("top_p").toDouble(p.top_p), 1.0));
  p.min_p = float(qBound(0.0, j.value("min_p").toDouble(p.min_p), 1.0));
  p.repetition_penalty =
      float(qBound(0.5, j.value("repetition_penalty").toDouble(p.repetition_penalty), 3.0));
  maxTokens = qBound(1, j.value("max_tokens").toInt(maxTokens), 1 << 20);
  p.seed = quint64(qMax<qint64>(0, j.value("seed").toInteger(qint64(p.seed))));
}

void ChatSettings::apply() {
  p_ = defaults_;
  maxTokens_ = defaultMaxTokens_;
  fromJson(overrides_, p_, maxTokens_);
}

void ChatSettings::setModelDefaults(const coil::SamplingParams& sampling, int maxTokens) {
  defaults_ = sampling;
  defaultMaxTokens_ = answerLength(maxTokens);
  apply();
  emit changed();
}

void ChatSettings::load(qint64 conversationId) {
  conversationId_ = conversationId;
  overrides_ = {};
  systemPrompt_.clear();
  if (conversationId > 0 && store_) {
    try {
      if (const auto c = store_->conversation(conversationId)) {
        systemPrompt_ = c->systemPrompt;
        overrides_ = c->sampling;
      }
    } catch (const std::exception& e) {
      emit failed(QString::fromUtf8(e.what()));
    }
  }
  apply();
  emit changed();
}

void ChatSettings::saveTo(qint64 conversationId) {
  conversationId_ = conversationId;
  if (!store_ || conversationId <= 0) return;
  try {
    store_->setSystemPrompt(conversationId, systemPrompt_);
    store_->setSampling(conversationId, overrides_);
  } catch (const std::exception& e) {
    emit failed(QString::fromUtf8(e.what()));
  }
}

void ChatSettings::resetToDefaults() {
  overrides_ = {};
  apply();
  persistSampling();
}

void ChatSettings::persistSampling() {
  emit changed();
  if (!store_ || conversationId_ <= 0) return;
  try {
    store_->setSampling(conversationId_, overrides_);
  } catch (const std::exception& e) {
    emit failed(QString::fromUtf8(e.what()));
  }
}

template <typename T>
void ChatSettings::override(const char* key, T value, T current) {
  if (value == current) return;
  if constexpr (std::is_floating_point_v<T>)
    overrides_.insert(QLatin1String(key), double(value));
  else
    overrides_.insert(QLatin1String(key), qint64(value));
  apply();
  persistSampling();
}

void ChatSettings::setSystemPrompt(const QString& prompt) {
  if (prompt == systemPrompt_) return;
  systemPrompt_ = prompt;
  emit changed();
  if (!store_ || conversationId_ <= 0) return;
  try {
    store_->setSystemPrompt(conversationId_, prompt);
  } catch (const std::exception& e) {
    emit failed(QString::fromUtf8(e.what()));
  }
}

#define COIL_SETTER(Name, key, field, Type, expr)                           \
  void ChatSettings::Name(Type v) {                                         \
    override(key, static_cast<std::decay_t<decltype(field)>>(expr), field); \
  }

COIL_SETTER(setTemperature, "temperature", p_.temperature, double, float(qBound(0.0, v, 5.0)))
COIL_SETTER(setTopK, "top_k", p_.top_k, int, qMax(0, v))
COIL_SETTER(setTopP, "top_p", p_.top_p, double, float(qBound(0.0, v, 1.0)))
COIL_SETTER(setMinP, "min_p", p_.min_p, double, float(qBound(0.0, v, 1.0)))
COIL_SETTER(setRepetitionPenalty, "repetition_penalty", p_.repetition_penalty, double,
            float(qBound(0.5, v, 3.0)))
COIL_SETTER(setMaxTokens, "max_tokens", maxTokens_, int, qBound(1, v, 1 << 20))
COIL_SETTER(setSeed, "seed", p_.seed, qint64, quint64(qMax<qint64>(0, v)))

#undef COIL_SETTER

}  // namespace coil::app
