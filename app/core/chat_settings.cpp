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
  p.temperature = float(j.value("temperature").toDouble(p.temperature));
  p.top_k = j.value("top_k").toInt(p.top_k);
  p.top_p = float(j.value("top_p").toDouble(p.top_p));
  p.min_p = float(j.value("min_p").toDouble(p.min_p));
  p.repetition_penalty = float(j.value("repetition_penalty").toDouble(p.repetition_penalty));
  maxTokens = j.value("max_tokens").toInt(maxTokens);
  p.seed = quint64(j.value("seed").toInteger(qint64(p.seed)));
}

void ChatSettings::load(qint64 conversationId) {
  conversationId_ = conversationId;
  p_ = coil::SamplingParams{};
  maxTokens_ = 512;
  systemPrompt_.clear();
  if (conversationId > 0 && store_) {
    try {
      if (const auto c = store_->conversation(conversationId)) {
        systemPrompt_ = c->systemPrompt;
        fromJson(c->sampling, p_, maxTokens_);
      }
    } catch (const std::exception& e) {
      emit failed(QString::fromUtf8(e.what()));
    }
  }
  emit changed();
}

void ChatSettings::saveTo(qint64 conversationId) {
  conversationId_ = conversationId;
  if (!store_ || conversationId <= 0) return;
  try {
    store_->setSystemPrompt(conversationId, systemPrompt_);
    store_->setSampling(conversationId, toJson());
  } catch (const std::exception& e) {
    emit failed(QString::fromUtf8(e.what()));
  }
}

void ChatSettings::resetToDefaults() {
  p_ = coil::SamplingParams{};
  maxTokens_ = 512;
  persistSampling();
}

void ChatSettings::persistSampling() {
  emit changed();
  if (!store_ || conversationId_ <= 0) return;
  try {
    store_->setSampling(conversationId_, toJson());
  } catch (const std::exception& e) {
    emit failed(QString::fromUtf8(e.what()));
  }
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

#define COIL_SETTER(Name, field, Type, expr) \
  void ChatSettings::Name(Type v) {          \
    const auto value = (expr);               \
    if (field == value) return;              \
    field = value;                           \
    persistSampling();                       \
  }

COIL_SETTER(setTemperature, p_.temperature, double, float(qBound(0.0, v, 5.0)))
COIL_SETTER(setTopK, p_.top_k, int, qMax(0, v))
COIL_SETTER(setTopP, p_.top_p, double, float(qBound(0.0, v, 1.0)))
COIL_SETTER(setMinP, p_.min_p, double, float(qBound(0.0, v, 1.0)))
COIL_SETTER(setRepetitionPenalty, p_.repetition_penalty, double, float(qBound(0.5, v, 3.0)))
COIL_SETTER(setMaxTokens, maxTokens_, int, qBound(1, v, 1 << 20))
COIL_SETTER(setSeed, p_.seed, qint64, quint64(qMax<qint64>(0, v)))

#undef COIL_SETTER

}  // namespace coil::app
