// The open chat's own settings: system prompt and sampling. Sampling starts from the loaded
// model's defaults (its generation_config.json: the demo model is greedy) and a chat keeps
// only what the user changed (its overrides), so a change wins over the model and "Reset"
// goes back to the model's defaults. Changes are saved to the chat at once; a new chat keeps
// them in memory until its first message creates it.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QJsonObject>
#include <QObject>

#include "coil/sampler.hpp"

namespace coil::storage {
class ChatStore;
}

namespace coil::app {

class ChatSettings : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.chat.settings")
  Q_PROPERTY(QString systemPrompt READ systemPrompt WRITE setSystemPrompt NOTIFY changed)
  Q_PROPERTY(double temperature READ temperature WRITE setTemperature NOTIFY changed)
  Q_PROPERTY(int topK READ topK WRITE setTopK NOTIFY changed)
  Q_PROPERTY(double topP READ topP WRITE setTopP NOTIFY changed)
  Q_PROPERTY(double minP READ minP WRITE setMinP NOTIFY changed)
  Q_PROPERTY(
      double repetitionPenalty READ repetitionPenalty WRITE setRepetitionPenalty NOTIFY changed)
  Q_PROPERTY(int maxTokens READ maxTokens WRITE setMaxTokens NOTIFY changed)
  Q_PROPERTY(qint64 seed READ seed WRITE setSeed NOTIFY changed)

 public:
  explicit ChatSettings(storage::ChatStore* store, QObject* parent = nullptr);

  // Shows the settings of a chat (0: a new chat, with the defaults).
  void load(qint64 conversationId);
  // The loaded model's sampling and answer length (answerLength()), under the chat's own
  // changes.
  void setModelDefaults(const coil::SamplingParams& sampling, int maxTokens);
  // Saves the in-memory settings to a chat just created.
  void saveTo(qint64 conversationId);
  Q_INVOKABLE void resetToDefaults();

  QString systemPrompt() const { return systemPrompt_; }
  void setSystemPrompt(const QString& prompt);
  double temperature() const { return p_.temperature; }
  void setTemperature(double v);
  int topK() const { return p_.top_k; }
  void setTopK(int v);
  double topP() const { return p_.top_p; }
  void setTopP(double v);
  double minP() const { return p_.min_p; }
  void setMinP(double v);
  double repetitionPenalty() const { return p_.repetition_penalty; }
  void setRepetitionPenalty(double v);
  int maxTokens() const { return maxTokens_; }
  void setMaxTokens(int v);
  qint64 seed() const { return qint64(p_.seed); }
  void setSeed(qint64 v);

  coil::SamplingParams sampling() const { return p_; }
  // What the user changed (what the chat stores): {"temperature": 0.7, ...}.
  QJsonObject overrides() const { return overrides_; }
  // Every value in use (what an answer's metadata records).
  QJsonObject toJson() const;
  // Applies the fields of `json` present to p and maxTokens (out-of-range values clamped).
  static void fromJson(const QJsonObject& json, coil::SamplingParams& p, int& maxTokens);

 signals:
  void changed();
  void failed(const QString& reason);

 private:
  void persistSampling();
  void apply();  // p_, maxTokens_ = the model's defaults + overrides_
  template <typename T>
  void override(const char* key, T value, T current);

  storage::ChatStore* store_;
  qint64 conversationId_ = 0;
  QString systemPrompt_;
  coil::SamplingParams defaults_;
  int defaultMaxTokens_ = kMaxTokens;
  QJsonObject overrides_;
  coil::SamplingParams p_;
  int maxTokens_ = kMaxTokens;

 public:
  static constexpr int kMaxTokens = 512;  // an answer's length when the model names none
  // The answer length a model's max_new_tokens gives (kMaxTokens when absent or absurd).
  static int answerLength(qint64 maxNewTokens) {
    return maxNewTokens > 0 && maxNewTokens <= (1 << 20) ? int(maxNewTokens) : kMaxTokens;
  }
};

}  // namespace coil::app
