// Application settings, kept in <data folder>/settings.ini: backend, device and threads
// (used at the next model load), the state-checkpoint disk budget (kept by coil_storage),
// theme and font size, and the Hugging Face access token (in its own file, HubTokenStore).
// `dark` is the theme in effect: the system's unless one is chosen.
#pragma once
#include <QtQml/qqmlregistration.h>

#include <QObject>
#include <QSettings>
#include <QStringList>
#include <QThreadPool>
#include <QTimer>
#include <QVariantList>
#include <QVariantMap>
#include <functional>
#include <memory>

#include "hub_token_store.hpp"

namespace coil::storage {
class StateStore;
}

namespace coil::app {

class AppSettings : public QObject {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("provided by App.settings")
  Q_PROPERTY(QString backend READ backend WRITE setBackend NOTIFY backendChanged)
  Q_PROPERTY(QVariantList backendOptions READ backendOptions CONSTANT)
  Q_PROPERTY(int backendIndex READ backendIndex WRITE setBackendIndex NOTIFY backendChanged)
  Q_PROPERTY(int device READ device WRITE setDevice NOTIFY deviceChanged)
  Q_PROPERTY(QStringList devices READ devices NOTIFY devicesChanged)
  Q_PROPERTY(int threads READ threads WRITE setThreads NOTIFY threadsChanged)
  Q_PROPERTY(int maxThreads READ maxThreads CONSTANT)
  // A safetensors model's weights: "stored", "q8_0" (8-bit) or "q4_k" (4-bit), quantized
  // once at load and kept in <data folder>/quantized (used at the next model load).
  Q_PROPERTY(QString weights READ weights WRITE setWeights NOTIFY weightsChanged)
  Q_PROPERTY(QVariantList weightsOptions READ weightsOptions CONSTANT)
  Q_PROPERTY(int weightsIndex READ weightsIndex WRITE setWeightsIndex NOTIFY weightsChanged)
  // The quantized copies in the data folder, in words ("" when there are none).
  Q_PROPERTY(QString quantizedCopiesText READ quantizedCopiesText NOTIFY quantizedCopiesChanged)
  Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY themeChanged)
  Q_PROPERTY(QVariantList themeOptions READ themeOptions CONSTANT)
  Q_PROPERTY(int themeIndex READ themeIndex WRITE setThemeIndex NOTIFY themeChanged)
  Q_PROPERTY(bool dark READ dark NOTIFY darkChanged)
  Q_PROPERTY(int fontSize READ fontSize WRITE setFontSize NOTIFY fontSizeChanged)
  // Files larger than this are not attached (their chip says so).
  Q_PROPERTY(int attachmentLimitMB READ attachmentLimitMB WRITE setAttachmentLimitMB NOTIFY
                 attachmentLimitChanged)
  Q_PROPERTY(QString modelPath READ modelPath WRITE setModelPath NOTIFY modelPathChanged)
  Q_PROPERTY(QString dataDir READ dataDir CONSTANT)
  Q_PROPERTY(
      double stateBudgetGB READ stateBudgetGB WRITE setStateBudgetGB NOTIFY stateUsageChanged)
  Q_PROPERTY(qint64 stateBytesUsed READ stateBytesUsed NOTIFY stateUsageChanged)
  Q_PROPERTY(QString stateUsageText READ stateUsageText NOTIFY stateUsageChanged)
  // The Hugging Face access token: saved in Coil (it wins over HF_TOKEN), and which token
  // is used, in words.
  Q_PROPERTY(bool hfTokenSaved READ hfTokenSaved NOTIFY hfTokenChanged)
  Q_PROPERTY(QString hfTokenText READ hfTokenText NOTIFY hfTokenChanged)

 public:
  static constexpr int kDefaultFontSize = 14;

  // dataDir "" keeps the settings in memory only (tests, or no writable folder).
  explicit AppSettings(const QString& dataDir, QObject* parent = nullptr);
  ~AppSettings() override;

  QString backend() const;
  void setBackend(const QString& backend);
  QVariantList backendOptions() const;
  // The position of backend() in backendOptions (for a combo box).
  int backendIndex() const;
  void setBackendIndex(int index);
  int device() const;
  void setDevice(int device);
  QStringList devices() const;
  // From InferenceWorker::devicesListed.
  void setDeviceLists(const QVariantMap& devices);
  int threads() const;
  void setThreads(int threads);
  int maxThreads() const;
  QString weights() const;
  void setWeights(const QString& weights);
  QVariantList weightsOptions() const;
  int weightsIndex() const;
  void setWeightsIndex(int index);
  QString quantizedCopiesDir() const;  // "" without a data folder
  QString quantizedCopiesText() const;
  // Deletes every quantized copy (a model using one keeps running: its file stays mapped
  // until it is unloaded); the next quantized load makes its copy again. Returns at once: a
  // worker deletes them, then quantizedCopiesChanged().
  Q_INVOKABLE void deleteQuantizedCopies();
  // Tests: runs on the worker before the copies are deleted ({} clears it).
  static void setQuantizedDeleteHookForTests(std::function<void()> hook);
  // After a load, which may have made a copy.
  Q_INVOKABLE void refreshQuantizedCopies() { emit quantizedCopiesChanged(); }
  QString theme() const;
  void setTheme(const QString& theme);
  QVariantList themeOptions() const;
  int themeIndex() const;
  void setThemeIndex(int index);
  bool dark() const { return dark_; }
  int fontSize() const;
  void setFontSize(int size);
  int attachmentLimitMB() const;
  void setAttachmentLimitMB(int mb);
  QString modelPath() const;
  void setModelPath(const QString& path);
  // The models loaded from outside the Hugging Face cache (a folder or .gguf file chosen by
  // hand), newest first, at most kMaxModelFolders: the model switcher keeps offering them.
  QStringList modelFolders() const;
  void rememberModelFolder(const QString& path);
  static constexpr int kMaxModelFolders = 12;
  QString dataDir() const { return dataDir_; }

  void setStateStore(storage::StateStore* store);
  // The budget in GB (1e9 bytes, the unit every size in the app is shown in). Setting it
  // returns at once: a worker stores it and deletes the checkpoints above it, then
  // stateUsageChanged() (failed() if it could not); meanwhile stateBudgetGB() is the new one.
  double stateBudgetGB() const;
  void setStateBudgetGB(double gb);
  bool stateBudgetApplying() const { return budgetsApplying_ > 0; }
  // Tests: runs on the worker before a budget is applied ({} clears it).
  static void setStateBudgetHookForTests(std::function<void()> hook);
  qint64 stateBytesUsed() const;
  QString stateUsageText() const;
  Q_INVOKABLE void refreshStateUsage();

  // The token the Hub client uses: the saved one, else HF_TOKEN / $HF_HOME/token; "" none.
  QString hfToken() const;
  bool hfTokenSaved() const { return !tokens_.token().isEmpty(); }
  QString hfTokenText() const;
  // An empty token removes the saved one. On failure emits failed() and returns false.
  Q_INVOKABLE bool saveHfToken(const QString& token);

  // The remote endpoint of the Models page (the base URL and the model id picked from its
  // list); its API key is kept apart, in a file like the Hub token (RemoteController).
  QString remoteUrl() const;
  void setRemoteUrl(const QString& url);
  QString remoteModel() const;
  void setRemoteModel(const QString& id);
  // The port of the local API server (LocalApiServer; 0: any free port).
  int localServerPort() const;
  void setLocalServerPort(int port);

  // What a closed banner said when it was closed (e.g. the fallback reason), so that it stays
  // closed across restarts until what it says changes. "" when never closed.
  QString closedBanner(const QString& key) const;
  void setClosedBanner(const QString& key, const QString& content);

  bool eventFilter(QObject* watched, QEvent* event) override;

 signals:
  void backendChanged();
  void deviceChanged();
  void devicesChanged();
  void threadsChanged();
  void weightsChanged();
  void quantizedCopiesChanged();
  void themeChanged();
  void darkChanged();
  void fontSizeChanged();
  void attachmentLimitChanged();
  void modelPathChanged();
  void stateUsageChanged();
  void hfTokenChanged();
  void failed(const QString& reason);

 private:
  void updateDark();
  QVariant value(const char* key, const QVariant& fallback) const;
  void store(const char* key, const QVariant& value);

  QString dataDir_;
  HubTokenStore tokens_;
  void saveFontSize();

  std::unique_ptr<QSettings> settings_;
  // A font size shown but not yet written (written kFontSaveDelayMs after the last change).
  int pendingFontSize_ = 0;
  QTimer fontSaveTimer_;
  static constexpr int kFontSaveDelayMs = 1000;
  QVariantMap memory_;  // when there is no settings file
  QVariantMap deviceLists_;
  storage::StateStore* states_ = nullptr;
  qint64 pendingBudgetBytes_ = -1;  // a budget being applied; -1 none
  int budgetsApplying_ = 0;
  bool dark_ = false;
  // Budgets being applied, quantized copies being deleted. Last member: its destructor waits
  // for them.
  QThreadPool budgetPool_;
};

}  // namespace coil::app
