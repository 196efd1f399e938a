#include "chat_transfer.hpp"

#include <QDate>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QThread>
#include <memory>

#include "atomic_file.hpp"
#include "banner_model.hpp"
#include "chat_controller.hpp"
#include "export.hpp"
#include "import_json.hpp"
#include "storage.hpp"
#include "storage_error.hpp"

namespace coil::app {

namespace {

const QString kKey = QStringLiteral("transfer");

// A title as a file name: no path separators or control characters, at most 80 characters.
QString fileStem(QString title) {
  title.replace(QRegularExpression(QStringLiteral("[/\\\\:*?\"<>|\\x00-\\x1f]+")),
                QStringLiteral(" "));
  title = title.simplified().left(80).trimmed();
  while (title.startsWith(QLatin1Char('.'))) title.remove(0, 1);
  return title.isEmpty() ? QStringLiteral("chat") : title;
}

void writeFile(const QString& path, const QByteArray& data) {
  // Written beside the target and renamed (the one atomic write): a failed export leaves an
  // older file of that name as it was, and never half a file.
  storage::writeFileAtomically(path, data);
}

// What a URL names, whole: the path of a URL without scheme with the '?' and '#' a typed
// file name may hold ("C# notes.md" parses as path "C" and fragment " notes.md").
QString typedText(const QUrl& url) {
  QString text = url.path(QUrl::FullyDecoded);
  if (url.hasQuery()) text += QLatin1Char('?') + url.query(QUrl::FullyDecoded);
  if (url.hasFragment()) text += QLatin1Char('#') + url.fragment(QUrl::FullyDecoded);
  return text;
}

// The local path a dialog's answer names (see exportFile), or empty.
QString localPathOf(const QUrl& chosen, const QString& folder) {
  if (chosen.isLocalFile()) return chosen.toLocalFile();
  if (!chosen.scheme().isEmpty()) return {};  // http:, a Windows drive letter is not ours
  QString text = typedText(chosen);
  // A URL typed after the folder: "/docs/file:///tmp/x.md".
  const qsizetype url = text.lastIndexOf(QLatin1String("file:/"));
  if (url >= 0) {
    const QUrl inner(text.mid(url), QUrl::TolerantMode);
    return inner.isLocalFile() ? inner.toLocalFile() : QString();
  }
  // An absolute path typed after the folder: "/docs//tmp/x.md" (a clean folder has no "//").
  const qsizetype abs = text.lastIndexOf(QLatin1String("//"));
  if (abs >= 0) text = text.mid(abs + 1);
  // The home folder typed after the folder: "/docs/~/x.md".
  const qsizetype home = text.lastIndexOf(QLatin1String("/~/"));
  if (home >= 0)
    text = QDir::homePath() + text.mid(home + 2);
  else if (text == QLatin1String("~") || text.startsWith(QLatin1String("~/")))
    text = QDir::homePath() + text.mid(1);
  return QDir::cleanPath(QDir(folder).absoluteFilePath(text));
}

}  // namespace

ChatTransfer::ChatTransfer(storage::Storage* storage, ChatController* chat, BannerModel* banners,
                           QObject* parent)
    : QObject(parent), storage_(storage), chat_(chat), banners_(banners) {}

ChatTransfer::~ChatTransfer() {
  if (thread_) thread_->wait();
}

QVariantList ChatTransfer::formats() const {
  auto entry = [](const char* key, const QString& text, const QString& filter) {
    return QVariantMap{{QStringLiteral("key"), QString::fromLatin1(key)},
                       {QStringLiteral("text"), text},
                       {QStringLiteral("filter"), filter}};
  };
  return {entry("md", tr("Markdown"), tr("Markdown (*.md)")),
          entry("json", tr("JSON (importable)"), tr("JSON (*.json)")),
          entry("txt", tr("Plain text"), tr("Text (*.txt)")),
          entry("openai", tr("OpenAI messages (JSONL)"), tr("JSON Lines (*.jsonl)"))};
}

QUrl ChatTransfer::suggestedFile(qint64 conversationId, const QString& format) const {
  const auto parsed = storage::parseExportFormat(format);
  const QString suffix = parsed ? storage::fileSuffix(*parsed) : QStringLiteral("txt");
  QString stem = QStringLiteral("coil-chats-") + QDate::currentDate().toString(Qt::ISODate);
  if (conversationId > 0) {
    try {
      if (const auto c = storage_->chats().conversation(conversationId)) stem = fileStem(c->title);
    } catch (const std::exception&) {
      stem = QStringLiteral("chat");
    }
  }
  return QUrl::fromLocalFile(
      QDir(suggestedFolder().toLocalFile()).filePath(stem + QLatin1Char('.') + suffix));
}

QUrl ChatTransfer::suggestedFolder() const {
  QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
  if (dir.isEmpty() || !QFileInfo(dir).isDir()) dir = QDir::homePath();
  return QUrl::fromLocalFile(dir);
}

QUrl ChatTransfer::exportFile(const QUrl& chosen, const QUrl& folder, const QString& format) const {
  const QString base =
      folder.isLocalFile() ? folder.toLocalFile() : suggestedFolder().toLocalFile();
  QString path = localPathOf(chosen, base);
  if (path.isEmpty() || path.endsWith(QLatin1Char('/'))) return {};
  const QFileInfo info(path);
  if (info.fileName().isEmpty() || info.isDir()) return {};
  const auto parsed = storage::parseExportFormat(format);
  if (parsed && info.suffix().isEmpty()) path += QLatin1Char('.') + storage::fileSuffix(*parsed);
  return QUrl::fromLocalFile(path);
}

bool ChatTransfer::exists(const QUrl& file) const {
  return file.isLocalFile() && QFileInfo::exists(file.toLocalFile());
}

QString ChatTransfer::displayPath(const QUrl& file) const {
  return file.isLocalFile() ? QDir::toNativeSeparators(file.toLocalFile()) : file.toDisplayString();
}

bool ChatTransfer::refuseWhileBusy() {
  if (!busy_) return false;
  banners_->show({kKey, BannerModel::Warning, tr("An export or import is running"),
                  tr("Wait until it has finished, then try again."), QString()});
  return true;
}

void ChatTransfer::setBusy(bool busy) {
  if (busy_ == busy) return;
  busy_ = busy;
  emit busyChanged();
}

void ChatTransfer::start(Job job, std::function<void(const QString& error)> finish) {
  setBusy(true);
  const QString dataDir = storage_->dataDir();
  if (dataDir.isEmpty()) {
    QString error;
    try {
      job(*storage_);
    } catch (const std::exception& e) {
      error = QString::fromUtf8(e.what());
    }
    setBusy(false);
    finish(error);
    return;
  }
  auto error = std::make_shared<QString>();
  QThread* thread = QThread::create([dataDir, job = std::move(job), error] {
    try {
      storage::StorageOptions options;
      options.cleanOrphans = false;  // the app's own connection did that at start
      storage::Storage own(dataDir, options);
      job(own);
    } catch (const std::exception& e) {
      *error = QString::fromUtf8(e.what());
    }
  });
  thread->setParent(this);  // waited for in ~ChatTransfer, then deleted with it
  thread_ = thread;
  connect(thread, &QThread::finished, this, [this, thread, error, finish = std::move(finish)] {
    thread->deleteLater();
    setBusy(false);
    finish(*error);
  });
  thread->start();
}

bool ChatTransfer::exportChat(qint64 conversationId, const QString& format, const QUrl& file) {
  return conversationId > 0 && startExport(conversationId, format, file);
}

bool ChatTransfer::exportAll(const QString& format, const QUrl& file) {
  return startExport(0, format, file);
}

bool ChatTransfer::startExport(qint64 conversationId, const QString& format, const QUrl& file) {
  if (refuseWhileBusy()) return false;
  const bool one = conversationId > 0;
  const QString failedTitle =
      one ? tr("The chat was not exported") : tr("The chats were not exported");
  const auto parsed = storage::parseExportFormat(format);
  const QUrl local = exportFile(file, suggestedFolder(), format);
  QString refused;
  if (!parsed)
    refused = tr("unknown export format '%1'").arg(format);
  else if (local.isEmpty())
    refused = tr("%1 is not a file on this computer").arg(file.toDisplayString());
  if (!refused.isEmpty()) {
    banners_->show({kKey, BannerModel::Error, failedTitle, refused, QString()});
    return false;
  }
  const QString path = local.toLocalFile();
  banners_->show({kKey, BannerModel::Info,
                  one ? tr("Exporting the chat…") : tr("Exporting all chats…"),
                  QDir::toNativeSeparators(path), QString()});
  const storage::ExportFormat fmt = *parsed;
  start(
      [conversationId, fmt, path](storage::Storage& s) {
        writeFile(path, conversationId > 0
                            ? storage::exportConversation(s.chats(), conversationId, fmt)
                            : storage::exportAll(s.chats(), fmt));
      },
      [this, one, failedTitle, path](const QString& error) {
        if (error.isEmpty())
          banners_->show({kKey, BannerModel::Info,
                          one ? tr("Chat exported") : tr("All chats exported"),
                          tr("Saved to %1").arg(QDir::toNativeSeparators(path)), QString()});
        else
          banners_->show({kKey, BannerModel::Error, failedTitle, error,
                          tr("Choose another folder, or free some disk space, and export again.")});
        emit exported(error.isEmpty());
      });
  return true;
}

bool ChatTransfer::importFile(const QUrl& file) {
  if (refuseWhileBusy()) return false;
  const QString localPath = localPathOf(file, suggestedFolder().toLocalFile());
  const bool local = !localPath.isEmpty();
  const QString path = local ? localPath : file.toDisplayString();
  banners_->show({kKey, BannerModel::Info, tr("Importing chats…"),
                  tr("From %1").arg(QDir::toNativeSeparators(path)), QString()});
  auto ids = std::make_shared<QList<qint64>>();
  auto alreadyThere = std::make_shared<int>(0);
  start(
      [path, local, ids, alreadyThere](storage::Storage& s) {
        if (!local) throw storage::StorageError(tr("cannot read %1: not a local file").arg(path));
        *ids = storage::importJsonFile(s.chats(), path, alreadyThere.get());
      },
      [this, path, ids, alreadyThere](const QString& error) {
        if (!error.isEmpty()) {
          banners_->show({kKey, BannerModel::Error, tr("Nothing was imported"), error,
                          tr("Coil imports the JSON files it exports (Export as JSON); no chat "
                             "was changed.")});
          emit imported(0);
          return;
        }
        chat_->refreshConversations();
        if (!ids->isEmpty() && !chat_->busy())
          chat_->openChat(ids->first());  // never cut an answer
        const QString from = tr("From %1").arg(QDir::toNativeSeparators(path));
        banners_->show(
            {kKey, BannerModel::Info,
             ids->size() == 1 ? tr("1 chat imported") : tr("%1 chats imported").arg(ids->size()),
             *alreadyThere == 0   ? from
             : *alreadyThere == 1 ? tr("%1; 1 chat was already here (imported before).").arg(from)
                                  : tr("%1; %2 chats were already here (imported before).")
                                        .arg(from)
                                        .arg(*alreadyThere),
             QString()});
        emit imported(static_cast<int>(ids->size()));
      });
  return true;
}

}  // namespace coil::app
