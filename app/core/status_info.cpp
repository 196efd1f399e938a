#include "status_info.hpp"

#include "format.hpp"
#include "format_bytes.hpp"
#include "model_name.hpp"

namespace coil::app {

QString StatusInfo::backendText() const {
  if (model_.backend.isEmpty()) return tr("No model");
  const QString name = model_.backend == QLatin1String("cpu")      ? QStringLiteral("CPU")
                       : model_.backend == QLatin1String("cuda")   ? QStringLiteral("CUDA")
                       : model_.backend == QLatin1String("vulkan") ? QStringLiteral("Vulkan")
                                                                   : model_.backend;
  const QString backend = model_.emulated ? tr("%1 (emulated on the CPU, slow)").arg(name) : name;
  return model_.device.isEmpty() ? backend : QStringLiteral("%1 · %2").arg(backend, model_.device);
}

QString StatusInfo::modelText() const {
  return modelTitle(model_.name, model_.quant);
}

QString StatusInfo::speedText() const {
  if (prefillTps_ <= 0 && decodeTps_ <= 0) return {};
  QStringList parts;
  if (prefillTps_ > 0) parts << tr("prefill %1 tok/s").arg(formatRate(prefillTps_));
  if (decodeTps_ > 0) parts << tr("decode %1 tok/s").arg(formatRate(decodeTps_));
  return parts.join(QStringLiteral(" · "));
}

QString StatusInfo::stateText() const {
  if (stateBytes_ < 0) return {};
  if (stateBytes_ == 0) return tr("no saved state");
  return tr("state %1 on disk").arg(hub::formatBytes(stateBytes_));
}

void StatusInfo::setModel(const ModelInfo& info) {
  model_ = info;
  emit modelChanged();
}

void StatusInfo::clearModel() {
  model_ = {};
  emit modelChanged();
}

void StatusInfo::setResumeText(const QString& text) {
  if (text == resumeText_) return;
  resumeText_ = text;
  emit resumeChanged();
}

void StatusInfo::setPrepared(const ResumeReport& r, bool chatHasMessages) {
  switch (r.kind) {
    case ResumeReport::Kind::Restored:
      setResumeText(tr("resumed from saved state in %1").arg(formatMs(r.restoreMs)));
      break;
    case ResumeReport::Kind::Continued:
      break;
    case ResumeReport::Kind::Fresh:
      setResumeText(chatHasMessages ? tr("no saved state: the next answer re-reads the chat")
                                    : QString());
      break;
  }
}

void StatusInfo::setGeneration(const GenerationResult& g) {
  prefillTps_ = g.prefillTokensPerS();
  decodeTps_ = g.decodeTokensPerS();
  emit speedChanged();
  const QString prefilled =
      tr("prefilled %1 in %2")
          .arg(formatCount(g.promptTokens, "token", "tokens"), formatMs(g.prefillMs));
  if (g.resume.kind == ResumeReport::Kind::Restored)
    setResumeText(tr("resumed from saved state in %1").arg(formatMs(g.resume.restoreMs)) +
                  QStringLiteral(" · ") + prefilled);
  else
    setResumeText(prefilled);
}

void StatusInfo::setRemoteGeneration(const GenerationResult& g, const QString& host) {
  prefillTps_ = 0;
  decodeTps_ = g.decodeTokensPerS();
  emit speedChanged();
  setResumeText(
      tr("answered by %1 · %2 read").arg(host, formatCount(g.promptTokens, "token", "tokens")));
}

void StatusInfo::setStateBytes(qint64 bytes) {
  if (bytes == stateBytes_) return;
  stateBytes_ = bytes;
  emit stateChanged();
}

void StatusInfo::clearChat() {
  prefillTps_ = decodeTps_ = 0;
  emit speedChanged();
  setResumeText({});
  setStateBytes(-1);
}

}  // namespace coil::app
