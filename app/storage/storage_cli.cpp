#include "storage_cli.hpp"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QTextStream>
#include <cstdio>

#include "atomic_file.hpp"
#include "export.hpp"
#include "import_json.hpp"
#include "storage.hpp"
#include "storage_error.hpp"

namespace coil::storage {

namespace {

struct UsageError {
  QString message;
};

// --name value options and positional arguments; flags listed in `flags` take no value.
struct Parsed {
  QHash<QString, QString> options;
  QStringList positional;
};

Parsed parse(const QStringList& args, const QStringList& flags) {
  Parsed p;
  for (qsizetype i = 1; i < args.size(); ++i) {
    const QString& a = args[i];
    if (!a.startsWith(QLatin1String("--"))) {
      p.positional << a;
    } else if (flags.contains(a)) {
      p.options.insert(a, QString());
    } else if (i + 1 < args.size()) {
      p.options.insert(a, args[++i]);
    } else {
      throw UsageError{QStringLiteral("%1 needs a value").arg(a)};
    }
  }
  return p;
}

QString required(const Parsed& p, const QString& name) {
  if (!p.options.contains(name)) throw UsageError{QStringLiteral("%1 is required").arg(name)};
  return p.options.value(name);
}

void checkKnown(const Parsed& p, const QStringList& known) {
  for (auto it = p.options.cbegin(); it != p.options.cend(); ++it)
    if (!known.contains(it.key()))
      throw UsageError{QStringLiteral("unknown option %1").arg(it.key())};
}

int runExport(const QStringList& args, QTextStream& out) {
  const Parsed p = parse(args, {QStringLiteral("--all")});
  checkKnown(p, {QStringLiteral("--data-dir"), QStringLiteral("--chat"), QStringLiteral("--all"),
                 QStringLiteral("--format"), QStringLiteral("--out")});
  if (!p.positional.isEmpty())
    throw UsageError{QStringLiteral("unexpected argument %1").arg(p.positional.first())};
  const QString dataDir = required(p, QStringLiteral("--data-dir"));
  const auto format = parseExportFormat(required(p, QStringLiteral("--format")));
  if (!format) throw UsageError{QStringLiteral("--format must be md, txt, json or openai")};
  const bool all = p.options.contains(QStringLiteral("--all"));
  if (all == p.options.contains(QStringLiteral("--chat")))
    throw UsageError{QStringLiteral("give either --chat ID or --all")};
  qint64 chat = 0;
  if (!all) {
    bool ok = false;
    chat = p.options.value(QStringLiteral("--chat")).toLongLong(&ok);
    if (!ok || chat <= 0) throw UsageError{QStringLiteral("--chat needs a conversation id")};
  }

  Storage storage(dataDir);
  const QByteArray data = all ? exportAll(storage.chats(), *format)
                              : exportConversation(storage.chats(), chat, *format);
  const QString outPath = p.options.value(QStringLiteral("--out"), QStringLiteral("-"));
  if (outPath == QLatin1String("-")) {
    out << QString::fromUtf8(data);
    out.flush();
    return 0;
  }
  writeFileAtomically(outPath, data);  // StorageError: "cannot write <path>: <reason>"
  return 0;
}

int runImport(const QStringList& args, QTextStream& out) {
  const Parsed p = parse(args, {});
  checkKnown(p, {QStringLiteral("--data-dir")});
  const QString dataDir = required(p, QStringLiteral("--data-dir"));
  if (p.positional.size() != 1) throw UsageError{QStringLiteral("give one FILE to import")};
  if (!QFileInfo(p.positional.first()).isReadable())
    throw StorageError(QStringLiteral("cannot read %1").arg(p.positional.first()));
  Storage storage(dataDir);
  int alreadyThere = 0;
  const QList<qint64> ids = importJsonFile(storage.chats(), p.positional.first(), &alreadyThere);
  out << (ids.size() == 1 ? QStringLiteral("imported 1 chat")
                          : QStringLiteral("imported %1 chats").arg(ids.size()));
  if (!ids.isEmpty()) {
    QStringList idText;
    for (qint64 id : ids) idText << QString::number(id);
    out << (ids.size() == 1 ? " (id " : " (ids ") << idText.join(QStringLiteral(", ")) << ')';
  }
  if (alreadyThere > 0)
    out << (alreadyThere == 1 ? QStringLiteral("; 1 was already here")
                              : QStringLiteral("; %1 were already here").arg(alreadyThere));
  out << '\n';
  out.flush();
  return 0;
}

// One line per chat, newest first: the id that `export --chat` takes, the date of its last
// message, and its title.
int runList(const QStringList& args, QTextStream& out) {
  const Parsed p = parse(args, {});
  checkKnown(p, {QStringLiteral("--data-dir")});
  if (!p.positional.isEmpty())
    throw UsageError{QStringLiteral("unexpected argument %1").arg(p.positional.first())};
  Storage storage(required(p, QStringLiteral("--data-dir")));
  const QList<Conversation> chats = storage.chats().conversations();
  if (chats.isEmpty()) {
    out << "no chats\n";
    out.flush();
    return 0;
  }
  out << QStringLiteral("%1  %2  %3\n")
             .arg(QStringLiteral("ID"), 6)
             .arg(QStringLiteral("UPDATED"), -16)
             .arg(QStringLiteral("TITLE"));
  for (const Conversation& c : chats) {
    const QString when =
        QDateTime::fromMSecsSinceEpoch(c.updatedAt).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    QString title = c.title.isEmpty() ? QStringLiteral("(untitled)") : c.title;
    title.replace(QLatin1Char('\n'), QLatin1Char(' '));
    out << QStringLiteral("%1  %2  %3\n").arg(c.id, 6).arg(when, -16).arg(title);
  }
  out.flush();
  return 0;
}

bool wantsHelp(const QStringList& args) {
  return args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"));
}

}  // namespace

QString storage_cli_usage() {
  return QStringLiteral(
      "usage:\n"
      "  list   [--data-dir DIR]        the chats: id, last change, title\n"
      "  export [--data-dir DIR] (--chat ID | --all) --format md|txt|json|openai [--out FILE]\n"
      "         write one chat (ID from `list`) or all of them; --out - (default) is stdout\n"
      "  import [--data-dir DIR] FILE    add the chats of a JSON export (chats already\n"
      "         here, from an earlier import of it, are skipped)\n");
}

int storage_cli_main(const QStringList& args, QTextStream& out, QTextStream& err) {
  try {
    if (args.isEmpty()) throw UsageError{QStringLiteral("no command")};
    if (wantsHelp(args)) {
      out << storage_cli_usage();
      out.flush();
      return 0;
    }
    if (args.first() == QLatin1String("list")) return runList(args, out);
    if (args.first() == QLatin1String("export")) return runExport(args, out);
    if (args.first() == QLatin1String("import")) return runImport(args, out);
    throw UsageError{QStringLiteral("unknown command %1").arg(args.first())};
  } catch (const UsageError& e) {
    err << "error: " << e.message << '\n' << storage_cli_usage();
    err.flush();
    return 2;
  } catch (const std::exception& e) {
    err << "error: " << QString::fromUtf8(e.what()) << '\n';
    err.flush();
    return 1;
  }
}

int storage_cli_main(const QStringList& args) {
  QTextStream out(stdout);
  QTextStream err(stderr);
  return storage_cli_main(args, out, err);
}

}  // namespace coil::storage
