// Plain values that cross between the UI thread and the inference worker's thread (by
// queued signals, so each one is a registered metatype). No engine objects travel.
#pragma once
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>
#include <optional>

#include "coil/sampler.hpp"

namespace coil::app {

struct LoadRequest {
  QString path;              // a model folder or a .gguf file
  QString backend = "auto";  // "auto", "cuda", "vulkan", "cpu"
  int device = -1;           // GPU index, -1: the default one
  int threads = 0;           // CPU threads, 0: physical cores
  // "stored", or "q8_0" / "q4_k": a safetensors folder run quantized, from a copy made once
  // in <data folder>/quantized (coil/quantized_cache.hpp; AppSettings::weights)
  QString weights = QStringLiteral("stored");
  qint64 id = 0;  // assigned by WorkerHost::load (what cancelLoad() refers to)
};

struct ModelInfo {
  QString path;
  QString name;            // modelDisplayName: the repo id ("org/name") or the folder's name
  QString quant;           // a GGUF file's quant type ("Q4_K_M"), "" for a safetensors folder
  QString backend;         // the backend actually used
  QString device;          // e.g. "Intel(R) Xeon(R) Processor (2 threads, avx512vnni)"
  QString fallbackReason;  // why the requested backend was not used ("" if it was)
  QString notice;          // what else the load should tell (a damaged quantized copy remade)
  bool emulated = false;   // a GPU backend on a CPU implementation (Vulkan on lavapipe)
  int threads = 0;         // CPU threads the backend uses (0 for a GPU)
  quint64 fingerprint = 0;
  qint64 weightBytes = 0;
  qint64 stateBytes = 0;  // the recurrent state's size in memory
  // The model's own defaults (generation_config.json): sampling, answer length (0: none).
  coil::SamplingParams sampling;
  int maxTokens = 0;
};

struct ChatTurn {
  QString role;           // "system", "user", "assistant"
  QString content;        // what the model reads (attached documents first: promptContent)
  int documentChars = 0;  // how much of `content` is attached documents (documentBlocks)
};

// What the model should answer: the active branch up to `anchorMessageId` (the message the
// answer follows), rendered with the system prompt first.
struct GenerateRequest {
  qint64 id = 0;
  qint64 conversationId = 0;
  qint64 anchorMessageId = 0;
  QList<ChatTurn> turns;
  coil::SamplingParams sampling;
  int maxTokens = 512;
  // When the last turn carries documents: the messages whose checkpoint may hold the state
  // right after those same documents (the anchor and its siblings with the same
  // attachments). The worker reads the documents with progress (readingProgress), saves
  // that state as the anchor's checkpoint, then prefills the question alone.
  QList<qint64> documentMessageIds;
  // When set, sampling and maxTokens are replaced, when the answer starts, by the loaded
  // model's defaults with these changes of the user applied (ChatSettings::fromJson): right
  // even when the message was sent while its model was still loading.
  std::optional<QJsonObject> samplingOverrides;
  // The last turn is an assistant answer cut off: generate the rest of it (its text is the
  // prompt's end, no end-of-turn after it).
  bool continueLast = false;
};

// Brings the worker's session to a conversation's branch without generating (opening a
// chat, switching a branch): it restores the nearest saved state if there is one.
struct PrepareRequest {
  qint64 conversationId = 0;
  qint64 leafMessageId = 0;
  QList<ChatTurn> turns;
};

// How the session came to cover a conversation before generating.
struct ResumeReport {
  enum class Kind {
    Fresh,      // nothing saved (or usable): the conversation is prefilled from its text
    Continued,  // the session already covered this branch (same chat, next turn)
    Restored,   // a saved state was read from disk
  };
  Kind kind = Kind::Fresh;
  qint64 conversationId = 0;
  double restoreMs = 0;
  qint64 stateTokens = 0;  // tokens the restored state covers
  QString discarded;       // why a saved state was refused ("" if none was)
};

struct GenerationResult {
  qint64 requestId = 0;
  qint64 conversationId = 0;
  QString text;
  QString finishReason;       // "stop", "length", "cancelled"
  qint64 promptTokens = 0;    // tokens prefilled for this answer (documents included)
  qint64 documentTokens = 0;  // of which attached documents read into the state
  qint64 completionTokens = 0;
  double prefillMs = 0;
  double decodeMs = 0;
  quint64 seed = 0;
  ResumeReport resume;
  bool stateReady = false;  // the session covers the answer: saveState() can store it

  double prefillTokensPerS() const;
  double decodeTokensPerS() const;
};

}  // namespace coil::app

Q_DECLARE_METATYPE(coil::app::LoadRequest)
Q_DECLARE_METATYPE(coil::app::ModelInfo)
Q_DECLARE_METATYPE(coil::app::GenerateRequest)
Q_DECLARE_METATYPE(coil::app::PrepareRequest)
Q_DECLARE_METATYPE(coil::app::ResumeReport)
Q_DECLARE_METATYPE(coil::app::GenerationResult)
