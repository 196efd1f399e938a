#include "app_settings.hpp"

#include <QDir>
#include <QEvent>
#include <QFutureWatcher>
#include <QGuiApplication>
#include <QPalette>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <filesystem>

#include "attachment_reader.hpp"
#include "coil/quantized_cache.hpp"
#include "coil/registry.hpp"
#include "database.hpp"
#include "format.hpp"
#include "format_bytes.hpp"
#include "hub_settings.hpp"
#include "state_store.hpp"
#include "storage.hpp"

namespace coil::app {

AppSettings::AppSettings(const QString& dataDir, QObject* parent)
    : QObject(parent), dataDir_(dataDir), tokens_(dataDir) {
  if (!dataDir.isEmpty())
    settings_ = std::make_unique<QSettings>(QDir(dataDir).filePath(QStringLiteral("settings.ini")),
                                            QSettings::IniFormat);
  if (qApp) qApp->installEventFilter(this);
  updateDark();
  fontSaveTimer_.setSingleShot(true);
  fontSaveTimer_.setInterval(kFontSaveDelayMs);
  connect(&fontSaveTimer_, &QTimer::timeout, this, &AppSettings::saveFontSize);
  budgetPool_.setMaxThreadCount(1);  // budget changes apply in the order they were made
}

AppSettings::~AppSettings() {
  saveFontSize();
}

QVariant AppSettings::value(const char* key, const QVariant& fallback) const {
  const QString k = QString::fromLatin1(key);
  return settings_ ? settings_->value(k, fallback) : memory_.value(k, fallback);
}

void AppSettings::store(const char* key, const QVariant& value) {
  const QString k = QString::fromLatin1(key);
  if (settings_)
    settings_->setValue(k, value);
  else
    memory_.insert(k, value);
}

QString AppSettings::closedBanner(const QString& key) const {
  return value(("banners/" + key.toLatin1()).constData(), QString()).toString();
}

void AppSettings::setClosedBanner(const QString& key, const QString& content) {
  store(("banners/" + key.toLatin1()).constData(), content);
}

QString AppSettings::backend() const {
  return value("engine/backend", QStringLiteral("auto")).toString();
}

void AppSettings::setBackend(const QString& backend) {
  if (backend == this->backend()) return;
  store("engine/backend", backend);
  emit backendChanged();
  emit devicesChanged();
}

QVariantList AppSettings::backendOptions() const {
  QVariantList out{QVariantMap{{"value", "auto"}, {"text", tr("Automatic (best available)")}}};
  const auto compiled = compiled_backends();
  const auto has = [&](const char* name) {
    return std::find(compiled.begin(), compiled.end(), name) != compiled.end();
  };
  if (has("cuda")) out << QVariantMap{{"value", "cuda"}, {"text", tr("CUDA (NVIDIA GPU)")}};
  if (has("vulkan")) out << QVariantMap{{"value", "vulkan"}, {"text", tr("Vulkan (any GPU)")}};
  out << QVariantMap{{"value", "cpu"}, {"text", tr("CPU")}};
  return out;
}

namespace {

int indexOfValue(const QVariantList& options, const QString& value) {
  for (int i = 0; i < options.size(); ++i)
    if (options[i].toMap().value(QStringLiteral("value")).toString() == value) return i;
  return 0;
}

QString valueAt(const QVariantList& options, int index) {
  return index >= 0 && index < options.size()
             ? options[index].toMap().value(QStringLiteral("value")).toString()
             : QString();
}

}  // namespace

int AppSettings::backendIndex() const {
  return indexOfValue(backendOptions(), backend());
}

void AppSettings::setBackendIndex(int index) {
  const QString v = valueAt(backendOptions(), index);
  if (!v.isEmpty()) setBackend(v);
}

QVariantList AppSettings::themeOptions() const {
  return {QVariantMap{{"value", "system"}, {"text", tr("Follow the system")}},
          QVariantMap{{"value", "light"}, {"text", tr("Light")}},
          QVariantMap{{"value", "dark"}, {"text", tr("Dark")}}};
}

int AppSettings::themeIndex() const {
  return indexOfValue(themeOptions(), theme());
}

void AppSettings::setThemeIndex(int index) {
  const QString v = valueAt(themeOptions(), index);
  if (!v.isEmpty()) setTheme(v);
}

int AppSettings::device() const {
  return value("engine/device", -1).toInt();
}

void AppSettings::setDevice(int device) {
  if (device == this->device()) return;
  store("engine/device", device);
  emit deviceChanged();
}

QStringList AppSettings::devices() const {
  const QString b = backend();
  if (b != QLatin1String("auto")) return deviceLists_.value(b).toStringList();
  QStringList all;
  for (auto it = deviceLists_.cbegin(); it != deviceLists_.cend(); ++it) all << it->toStringList();
  return all;
}

void AppSettings::setDeviceLists(const QVariantMap& devices) {
  deviceLists_ = devices;
  emit devicesChanged();
}

int AppSettings::threads() const {
  return value("engine/threads", 0).toInt();
}

void AppSettings::setThreads(int threads) {
  threads = qBound(0, threads, maxThreads());
  if (threads == this->threads()) return;
  store("engine/threads", threads);
  emit threadsChanged();
}

int AppSettings::maxThreads() const {
  return qMax(1, QThread::idealThreadCount());
}

QString AppSettings::weights() const {
  const QString v = value("engine/weights", QStringLiteral("stored")).toString();
  return valueAt(weightsOptions(), indexOfValue(weightsOptions(), v));  // unknown: "stored"
}

void AppSettings::setWeights(const QString& weights) {
  const QString known = valueAt(weightsOptions(), indexOfValue(weightsOptions(), weights));
  if (known != weights || weights == this->weights()) return;
  store("engine/weights", weights);
  emit weightsChanged();
}

QVariantList AppSettings::weightsOptions() const {
  return {QVariantMap{{"value", "stored"}, {"text", tr("As stored")}},
          QVariantMap{{"value", "q8_0"}, {"text", tr("8-bit (Q8_0)")}},
          QVariantMap{{"value", "q4_k"}, {"text", tr("4-bit (Q4_K)")}}};
}

int AppSettings::weightsIndex() const {
  return indexOfValue(weightsOptions(), weights());
}

void AppSettings::setWeightsIndex(int index) {
  const QString v = valueAt(weightsOptions(), index);
  if (!v.isEmpty()) setWeights(v);
}

QString AppSettings::quantizedCopiesDir() const {
  return dataDir_.isEmpty() ? QString() : dataDir_ + QStringLiteral("/quantized");
}

QString AppSettings::quantizedCopiesText() const {
  const QString dir = quantizedCopiesDir();
  if (dir.isEmpty()) return {};
  const std::filesystem::path p(dir.toStdString());
  const size_t n = quantized_copies(p).size();
  if (n == 0) return {};
  return tr("Quantized copies of models: %1, %2")
      .arg(formatCount(qint64(n), "file", "files"),
           hub::formatBytes(qint64(quantized_cache_bytes(p))));
}

namespace {

std::function<void()>& quantizedDeleteHook() {
  static std::function<void()> hook;
  return hook;
}

}  // namespace

void AppSettings::deleteQuantizedCopies() {
  const QString dir = quantizedCopiesDir();
  if (dir.isEmpty()) return;
  // the copies are GB-sized files: deleted on a worker (#15 item 5), then the text is read again
  auto* watcher = new QFutureWatcher<void>(this);
  connect(watcher, &QFutureWatcher<void>::finished, this, [this, watcher] {
    watcher->deleteLater();
    emit quantizedCopiesChanged();
  });
  watcher->setFuture(QtConcurrent::run(&budgetPool_, [dir] {
    if (quantizedDeleteHook()) quantizedDeleteHook()();
    clear_quantized_cache(dir.toStdString());
  }));
}

void AppSettings::setQuantizedDeleteHookForTests(std::function<void()> hook) {
  quantizedDeleteHook() = std::move(hook);
}

QString AppSettings::theme() const {
  return value("ui/theme", QStringLiteral("system")).toString();
}

void AppSettings::setTheme(const QString& theme) {
  if (theme == this->theme()) return;
  store("ui/theme", theme);
  emit themeChanged();
  updateDark();
}

int AppSettings::fontSize() const {
  if (pendingFontSize_ > 0) return pendingFontSize_;
  return value("ui/fontSize", kDefaultFontSize).toInt();
}

void AppSettings::setFontSize(int size) {
  // Shown at once; written to the settings file once the clicks of "+" stop.
  size = qBound(9, size, 28);
  if (size == fontSize()) return;
  pendingFontSize_ = size;
  fontSaveTimer_.start();
  emit fontSizeChanged();
}

void AppSettings::saveFontSize() {
  if (pendingFontSize_ <= 0) return;
  store("ui/fontSize", pendingFontSize_);
  pendingFontSize_ = 0;
}

int AppSettings::attachmentLimitMB() const {
  return value("chat/attachmentLimitMB", int(kDefaultAttachmentLimitBytes / 1000000)).toInt();
}

void AppSettings::setAttachmentLimitMB(int mb) {
  mb = qBound(1, mb, 1000);
  if (mb == attachmentLimitMB()) return;
  store("chat/attachmentLimitMB", mb);
  emit attachmentLimitChanged();
}

QString AppSettings::modelPath() const {
  return value("model/path", QString()).toString();
}

void AppSettings::setModelPath(const QString& path) {
  if (path == modelPath()) return;
  store("model/path", path);
  emit modelPathChanged();
}

QStringList AppSettings::modelFolders() const {
  return value("model/folders", QStringList()).toStringList();
}

void AppSettings::rememberModelFolder(const QString& path) {
  if (path.isEmpty()) return;
  QStringList folders = modelFolders();
  if (!folders.isEmpty() && folders.first() == path) return;
  folders.removeAll(path);
  folders.prepend(path);
  while (folders.size() > kMaxModelFolders) folders.removeLast();
  store("model/folders", folders);
}

void AppSettings::setStateStore(storage::StateStore* store) {
  states_ = store;
  emit stateUsageChanged();
}

double AppSettings::stateBudgetGB() const {
  if (!states_) return 0;
  if (pendingBudgetBytes_ >= 0) return double(pendingBudgetBytes_) / 1e9;
  try {
    return double(states_->budgetBytes()) / 1e9;
  } catch (const std::exception&) {
    return 0;
  }
}

namespace {

std::function<void()>& budgetHook() {
  static std::function<void()> hook;
  return hook;
}

// On a thread of AppSettings::budgetPool_, with its own connection to the database: the
// budget is stored and the checkpoints above it deleted (files of up to tens of MB each).
QString applyStateBudget(const QString& dataDir, qint64 bytes) {
  try {
    if (budgetHook()) budgetHook()();
    storage::Database db(QDir(dataDir).filePath(QLatin1String(storage::Storage::kDatabaseFile)));
    storage::StateStore(db, dataDir).setBudgetBytes(bytes);
    return {};
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
}

}  // namespace

void AppSettings::setStateBudgetGB(double gb) {
  if (!states_ || dataDir_.isEmpty() || qFuzzyCompare(gb, stateBudgetGB())) return;
  const qint64 bytes = qint64(qMax(0.0, gb) * 1e9);
  pendingBudgetBytes_ = bytes;  // what stateBudgetGB says until the worker is done
  ++budgetsApplying_;
  emit stateUsageChanged();
  auto* watcher = new QFutureWatcher<QString>(this);
  connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher] {
    const QString error = watcher->result();
    watcher->deleteLater();
    if (--budgetsApplying_ == 0) pendingBudgetBytes_ = -1;
    if (!error.isEmpty()) emit failed(tr("The state budget could not be applied: %1").arg(error));
    emit stateUsageChanged();
  });
  watcher->setFuture(QtConcurrent::run(&budgetPool_, applyStateBudget, dataDir_, bytes));
}

void AppSettings::setStateBudgetHookForTests(std::function<void()> hook) {
  budgetHook() = std::move(hook);
}

qint64 AppSettings::stateBytesUsed() const {
  if (!states_) return 0;
  try {
    return states_->usage().totalBytes;
  } catch (const std::exception&) {
    return 0;
  }
}

QString AppSettings::stateUsageText() const {
  if (!states_) return tr("States are not saved (no data folder).");
  try {
    const storage::StateUsage u = states_->usage();
    return tr("In use: %1 (latest states of %2: %3; earlier checkpoints: %4).")
        .arg(hub::formatBytes(u.totalBytes), formatCount(u.latestCount, "chat", "chats"),
             hub::formatBytes(u.latestBytes), hub::formatBytes(u.checkpointBytes));
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
}

void AppSettings::refreshStateUsage() {
  emit stateUsageChanged();
}

bool AppSettings::eventFilter(QObject* watched, QEvent* event) {
  if (watched == qApp && event->type() == QEvent::ApplicationPaletteChange) updateDark();
  return QObject::eventFilter(watched, event);
}

void AppSettings::updateDark() {
  const QString t = theme();
  bool dark = t == QLatin1String("dark");
  if (t != QLatin1String("dark") && t != QLatin1String("light") &&
      qobject_cast<QGuiApplication*>(qApp))
    dark = QGuiApplication::palette().color(QPalette::Window).lightness() < 128;
  if (dark == dark_) return;
  dark_ = dark;
  emit darkChanged();
}

QString AppSettings::remoteUrl() const {
  return value("remote/url", QString()).toString();
}

void AppSettings::setRemoteUrl(const QString& url) {
  store("remote/url", url);
}

QString AppSettings::remoteModel() const {
  return value("remote/model", QString()).toString();
}

void AppSettings::setRemoteModel(const QString& id) {
  store("remote/model", id);
}

int AppSettings::localServerPort() const {
  return value("server/port", 8080).toInt();
}

void AppSettings::setLocalServerPort(int port) {
  store("server/port", port);
}

QString AppSettings::hfToken() const {
  return hub::HubSettings::fromEnvironment(tokens_.token()).token;
}

QString AppSettings::hfTokenText() const {
  if (hfTokenSaved()) return tr("A token saved in Coil is used for gated and private models.");
  if (!hfToken().isEmpty())
    return tr("The token of HF_TOKEN (or %1/token) is used for gated and private models.")
        .arg(hub::HubSettings::hfHome());
  return tr("No token: gated and private models cannot be downloaded.");
}

bool AppSettings::saveHfToken(const QString& token) {
  QString error;
  if (!tokens_.setToken(token, &error)) {
    emit failed(tr("The token could not be saved: %1").arg(error));
    return false;
  }
  emit hfTokenChanged();
  return true;
}

}  // namespace coil::app
