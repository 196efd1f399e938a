// The export/import command line, for `coil-chat export ...` / `coil-chat import ...`:
//
//   export --data-dir DIR (--chat ID | --all) --format md|txt|json|openai [--out FILE]
//   import --data-dir DIR FILE
//
// `args` starts with the subcommand (no program name). Without --out (or with "-") the
// export goes to standard output; a file is written atomically (never partial). Import
// prints the new conversation ids, one per line. Returns the exit code: 0 success,
// 1 failure (reason on err), 2 usage error (usage on err).
#pragma once
#include <QStringList>

class QTextStream;

namespace coil::storage {

int storage_cli_main(const QStringList& args);
int storage_cli_main(const QStringList& args, QTextStream& out, QTextStream& err);
QString storage_cli_usage();

}  // namespace coil::storage
