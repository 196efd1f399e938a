// How a model is named to a person (chat header, empty state, status line, model switcher):
// a download by its repo id ("tiiuae/falcon-mamba-7b-instruct"), with the revision only when
// it is not main ("org/name @ v2", "org/name @ 1eae3cd9"); anything else by its folder name,
// or a GGUF file by its file name without ".gguf". A GGUF model also names its quant type
// ("org/name · Q4_K_M"), read from general.file_type.
#pragma once
#include <QString>

namespace coil::app {

// The name of the model at `path` (a folder, or a .gguf file) without reading the model: a
// snapshot of the Hugging Face cache (<cache>/models--org--name/snapshots/<commit>[/file]) is
// named by its repo id; the revision is found among the repo's refs/.
QString modelDisplayName(const QString& path);

// The repo id of a path inside the cache's snapshots, "" for any other path.
QString repoIdOfSnapshotPath(const QString& path);

// The quant type of a GGUF file as llama.cpp names it (general.file_type: "Q4_K_M", "Q8_0",
// "BF16"), else the type of its first block weight ("Q4_K"); "" for a folder or a file that
// says nothing. Reads the file's header (memory-mapped): not on the GUI thread.
QString ggufQuantLabel(const QString& path);

// "name · quant", or the name alone without a quant.
QString modelTitle(const QString& name, const QString& quant);

}  // namespace coil::app
