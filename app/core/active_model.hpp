// Loading the model on the worker (never blocking the window): progress, cancelling, the
// loaded model's description, and banners when loading fails or the backend fell back.
// A cancelled load leaves no model loaded (the worker freed the previous one as the load
// began): `loaded` is false, no error is shown, and any load can follow.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>

#include "banner_model.hpp"
#include "worker_types.hpp"

namespace coil::app {

class WorkerHost;
class AppSettings;
class StatusInfo;

class ActiveModel : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.activeModel")
  Q_PROPERTY(bool loading READ loading NOTIFY loadingChanged)
  Q_PROPERTY(double progress READ progress NOTIFY progressChanged)
  Q_PROPERTY(QString stage READ stage NOTIFY progressChanged)
  Q_PROPERTY(bool loaded READ loaded NOTIFY modelChanged)
  // The repo id ("org/name", "org/name @ rev" off main) or the folder's name.
  Q_PROPERTY(QString name READ name NOTIFY modelChanged)
  // A GGUF model's quant type ("Q4_K_M"), "" otherwise.
  Q_PROPERTY(QString quant READ quant NOTIFY modelChanged)
  // What the chat header, empty state and status line show: "org/name · Q4_K_M".
  Q_PROPERTY(QString title READ title NOTIFY modelChanged)
  Q_PROPERTY(QString path READ path NOTIFY modelChanged)
  Q_PROPERTY(QString loadingPath READ loadingPath NOTIFY loadingChanged)
  // The name (see `name`) of loadingPath, for the status line.
  Q_PROPERTY(QString loadingName READ loadingName NOTIFY loadingChanged)
  Q_PROPERTY(QString error READ error NOTIFY errorChanged)

 public:
  ActiveModel(WorkerHost* host, AppSettings* settings, BannerModel* banners, StatusInfo* status,
              QObject* parent = nullptr);

  // A folder or .gguf file path, or a file:// URL (from a dialog).
  Q_INVOKABLE void load(const QString& pathOrUrl);
  // Loads the current model again (after changing the backend, device or threads).
  Q_INVOKABLE void reload();
  // Cancels the load in progress (and any queued one); loading turns false once the worker
  // has stopped, which is between two tensors, at once for the user.
  Q_INVOKABLE void cancelLoad();

  bool loading() const { return loading_; }
  double progress() const { return progress_; }
  QString stage() const { return stage_; }
  bool loaded() const { return !info_.path.isEmpty(); }
  QString name() const { return info_.name; }
  QString quant() const { return info_.quant; }
  QString title() const;
  QString path() const { return info_.path; }
  QString loadingPath() const { return loadingPath_; }
  // The model the next answer is read with: the one loading, else the loaded one.
  QString targetPath() const { return loading_ ? loadingPath_ : info_.path; }
  QString loadingName() const;
  QString error() const { return error_; }
  const ModelInfo& info() const { return info_; }

 signals:
  void loadingChanged();
  // A load was asked for (before it starts on the worker): the chat open now asked for it.
  void loadRequested(const QString& path);
  void progressChanged();
  void modelChanged();
  void errorChanged();
  void loadFailed(const QString& reason);
  void loadCancelled();

 private:
  void onStarted(const QString& path);
  void onProgress(double fraction, const QString& stage);
  void onLoaded(const ModelInfo& info);
  void onFailed(const QString& path, const QString& reason);
  void onCancelled(const QString& path);
  void setError(const QString& error);
  // The banner for a model that runs on another backend than the one asked for.
  Banner fallbackBanner(const ModelInfo& info) const;
  // What the fallback banner says, to remember that it was closed (AppSettings::closedBanner).
  QString fallbackKey(const ModelInfo& info) const;

  WorkerHost* host_;
  AppSettings* settings_;
  BannerModel* banners_;
  StatusInfo* status_;
  ModelInfo info_;
  bool loading_ = false;
  int pending_ = 0;  // loads asked for and not yet answered
  double progress_ = 0;
  QString stage_;
  QString loadingPath_;
  QString error_;
};

}  // namespace coil::app
