// Importing our JSON export (see export.hpp for the layout).
#pragma once
#include <QByteArray>
#include <QList>
#include <QString>

namespace coil::storage {

class ChatStore;

// Checks the whole file first, then adds every conversation in it in one transaction:
// a malformed file, an unknown "schema_version" or a database error imports nothing.
// Returns the new conversation ids, in file order. Throws ImportError with the reason
// and where, e.g. `conversations[0].messages[3].role: "robot" is not a role`.
// A conversation that is already in the store (the same title, creation time and messages:
// the same export imported again) is skipped and counted in *alreadyThere. It is found by a
// fingerprint (SHA-256 of those fields): each stored chat that shares a title and creation
// time with one of the file is read once, so the check is linear in the store's size however
// many chats share a title.
QList<qint64> importJson(ChatStore& store, const QByteArray& json, int* alreadyThere = nullptr);
// importJson of a file, whose size is checked (coil::limits::kChatExportBytes) before it is
// read. Throws StorageError when it cannot be read or is too large.
QList<qint64> importJsonFile(ChatStore& store, const QString& path, int* alreadyThere = nullptr);

}  // namespace coil::storage
