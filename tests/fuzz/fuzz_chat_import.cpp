// A chat export imported into an in-memory database (coil_storage): either refused with an
// ImportError naming what is wrong and where, leaving the database unchanged, or imported
// whole.
#include <cstdint>
#include <memory>

#include "chat_store.hpp"
#include "import_json.hpp"
#include "storage.hpp"
#include "storage_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coil::storage;
  static const std::unique_ptr<Storage> storage = Storage::inMemory();
  const QByteArray json(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
  const qsizetype before = storage->chats().conversations().size();
  try {
    const QList<qint64> ids = importJson(storage->chats(), json);
    if (storage->chats().conversations().size() != before + ids.size()) __builtin_trap();
    for (qint64 id : ids) storage->chats().deleteConversation(id);
  } catch (const StorageError& e) {
    if (e.message().isEmpty()) __builtin_trap();
    if (storage->chats().conversations().size() != before) __builtin_trap();  // nothing half-done
  }
  return 0;
}
