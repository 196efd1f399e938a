// What the status line shows: the backend and device, the last answer's prefill and decode
// speeds, how the chat was resumed ("resumed from saved state in 4 ms" or "prefilled 812
// tokens in 95 ms") and the chat's saved state size on disk.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>

#include "worker_types.hpp"

namespace coil::app {

class StatusInfo : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.status")
  Q_PROPERTY(QString backend READ backend NOTIFY modelChanged)
  Q_PROPERTY(QString device READ device NOTIFY modelChanged)
  Q_PROPERTY(QString backendText READ backendText NOTIFY modelChanged)
  // The model in use: "tiiuae/falcon-mamba-7b-instruct · Q4_K_M" ("" without one).
  Q_PROPERTY(QString modelText READ modelText NOTIFY modelChanged)
  Q_PROPERTY(QString speedText READ speedText NOTIFY speedChanged)
  Q_PROPERTY(double prefillTokensPerS READ prefillTokensPerS NOTIFY speedChanged)
  Q_PROPERTY(double decodeTokensPerS READ decodeTokensPerS NOTIFY speedChanged)
  Q_PROPERTY(QString resumeText READ resumeText NOTIFY resumeChanged)
  Q_PROPERTY(qint64 stateBytes READ stateBytes NOTIFY stateChanged)
  Q_PROPERTY(QString stateText READ stateText NOTIFY stateChanged)

 public:
  using QObject::QObject;

  QString backend() const { return model_.backend; }
  QString device() const { return model_.device; }
  QString backendText() const;
  QString modelText() const;
  QString speedText() const;
  double prefillTokensPerS() const { return prefillTps_; }
  double decodeTokensPerS() const { return decodeTps_; }
  QString resumeText() const { return resumeText_; }
  qint64 stateBytes() const { return stateBytes_; }
  QString stateText() const;

  void setModel(const ModelInfo& info);
  void clearModel();
  void setPrepared(const ResumeReport& report, bool chatHasMessages);
  void setGeneration(const GenerationResult& result);
  // An answer of a remote server (`host`): its token counts, no local prefill.
  void setRemoteGeneration(const GenerationResult& result, const QString& host);
  void setStateBytes(qint64 bytes);
  void clearChat();

 signals:
  void modelChanged();
  void speedChanged();
  void resumeChanged();
  void stateChanged();

 private:
  void setResumeText(const QString& text);

  ModelInfo model_;
  double prefillTps_ = 0;
  double decodeTps_ = 0;
  QString resumeText_;
  qint64 stateBytes_ = -1;  // -1: no chat
};

}  // namespace coil::app
