// Before schema v5 the text each state covers was a file beside the states,
// <dataDir>/covered/<state file name>.txt, starting with the line
// "coil-covered 1 <token hash, 16 hex digits> <token count>". At open, Storage moves those
// texts into their rows (state_checkpoints.covered_text) and deletes the folder.
#pragma once
#include <QString>

namespace coil::storage {

class Database;

inline constexpr char kLegacyCoveredFolder[] = "covered";

// Imports, in one transaction, the text of every checkpoint that has none and whose file
// is present with a header matching the row's token hash and count (others stay NULL: the
// chat is re-prefilled from its messages, the source of truth); then removes the folder.
// Safe to repeat after a crash at any point. Returns how many texts were imported.
int importLegacyCoveredTexts(Database& db, const QString& dataDir);

}  // namespace coil::storage
