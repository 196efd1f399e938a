// InferenceWorker: set-up, model loading (with progress and cancellation) and device listing.
#include "inference_worker.hpp"

#include <QElapsedTimer>
#include <QFileInfo>
#include <algorithm>
#include <filesystem>
#include <limits>
#include <vector>

#include "chat_settings.hpp"
#include "coil/backend.hpp"
#include "coil/chat_session.hpp"
#include "coil/error.hpp"
#include "coil/model.hpp"
#include "coil/quantize.hpp"
#include "coil/quantized_cache.hpp"
#include "coil/tokenizer.hpp"
#include "model_name.hpp"
#include "state_keeper.hpp"
#include "storage_error.hpp"

namespace coil::app {

InferenceWorker::InferenceWorker(const coil::ModelOptions& engineOptions, QObject* parent)
    : QObject(parent), engineOptions_(engineOptions) {}

InferenceWorker::~InferenceWorker() {
  // The session refers to the model and the tokenizer: it goes first.
  chat_.reset();
}

void InferenceWorker::requestStop(qint64 upToRequestId) {
  qint64 seen = stopUpTo_.load();
  while (seen < upToRequestId && !stopUpTo_.compare_exchange_weak(seen, upToRequestId)) {
  }
  cancel_.store(true);
}

void InferenceWorker::initialize(const QString& dataDir) {
  dataDir_ = dataDir;
  try {
    keeper_ = std::make_unique<StateKeeper>(dataDir);
  } catch (const std::exception& e) {
    keeper_ = std::make_unique<StateKeeper>(QString());
    emit stateSaveFailed(0, QString::fromUtf8(e.what()), false);
  }
}

void InferenceWorker::requestCancelLoad(qint64 upToLoadId) {
  const std::lock_guard lock(loadMutex_);
  cancelLoadsUpTo_ = std::max(cancelLoadsUpTo_, upToLoadId);
  if (runningLoad_ != 0 && runningLoad_ <= cancelLoadsUpTo_) loadCancel_.store(true);
}

void InferenceWorker::beginLoad(qint64 id) {
  const std::lock_guard lock(loadMutex_);
  runningLoad_ = id;
  loadCancel_.store(id <= cancelLoadsUpTo_);
}

void InferenceWorker::endLoad() {
  const std::lock_guard lock(loadMutex_);
  runningLoad_ = 0;
  loadCancel_.store(false);
}

void InferenceWorker::dropModel() {
  finished_.reset();
  chat_.reset();
  chatConfig_.reset();
  tokenizer_.reset();
  model_.reset();
  conversation_ = 0;
}

std::filesystem::path InferenceWorker::quantizedWeights(const LoadRequest& request,
                                                        const std::filesystem::path& dir,
                                                        QString* notice) {
  if (request.weights.isEmpty() || request.weights == QLatin1String("stored") ||
      !std::filesystem::is_directory(dir))
    return dir;  // as stored; a GGUF file is run in its own type
  const DType type = parse_weight_type(request.weights.toStdString());
  if (dataDir_.isEmpty())
    throw Error(
        "quantized weights are kept in the data folder, and Coil runs without one: "
        "choose \"as stored\" under Settings > Weights");
  const QString bits = type == DType::Q8_0 ? tr("8-bit") : tr("4-bit");
  QuantizedCacheOptions q;
  q.dir = std::filesystem::path(dataDir_.toStdString()) / "quantized";
  q.budget_bytes = kQuantizedBudgetBytes;
  q.threads = request.threads;
  q.cancel = &loadCancel_;
  q.progress = [&](double fraction, const std::string&) {
    emit loadProgress(kWeightsFrom + (kQuantizedTo - kWeightsFrom) * fraction,
                      tr("Quantizing the weights to %1 (once: the copy is kept)").arg(bits));
  };
  q.checking = [&](double fraction) {
    emit loadProgress(
        kWeightsFrom,
        tr("Checking the %1 copy of the weights: %2%").arg(bits).arg(int(fraction * 100)));
  };
  emit loadProgress(kWeightsFrom, tr("Looking for the %1 copy of the weights").arg(bits));
  const QuantizedCopy copy = quantized_copy(dir, type, q);
  if (!copy.remade_because.empty())
    *notice = tr("The %1 copy of the weights in the data folder was damaged (%2): it was "
                 "quantized again from the model's files.")
                  .arg(bits, QString::fromStdString(copy.remade_because));
  return copy.path;
}

void InferenceWorker::loadModel(const LoadRequest& request) {
  // WorkerHost numbers loads from 1; a request not made through it (id 0) is not cancellable.
  beginLoad(request.id > 0 ? request.id : std::numeric_limits<qint64>::max());
  emit loadStarted(request.path);
  dropModel();  // before reading the new one: never two models in memory at once
  const auto checkCancel = [this] {
    if (loadCancel_.load()) throw LoadCancelled();
  };
  try {
    checkCancel();
    if (!QFileInfo::exists(request.path))
      throw Error("the model " + request.path.toStdString() + " does not exist");
    const std::filesystem::path dir(request.path.toStdString());
    emit loadProgress(0.01, tr("Reading the tokenizer"));
    auto tokenizer = Tokenizer::load(dir);
    checkCancel();
    emit loadProgress(0.03, tr("Reading the chat template"));
    auto config = ChatConfig::load(dir);
    checkCancel();
    // The engine's fractions (by bytes fingerprinted and uploaded) fill the bar from 5%
    // to 95%; it checks loadCancel_ between tensors.
    ModelOptions options = engineOptions_;
    options.backend = request.backend.isEmpty() ? "auto" : request.backend.toStdString();
    options.backend_options.device = request.device;
    options.backend_options.threads = request.threads;
    options.cancel = &loadCancel_;
    options.progress = [this](double fraction, const std::string& stage) {
      emit loadProgress(kWeightsFrom + (kWeightsTo - kWeightsFrom) * fraction,
                        QString::fromStdString(stage));
    };
    QString notice;
    const std::filesystem::path weights = quantizedWeights(request, dir, &notice);
    if (weights != dir) {  // the quantized copy's upload fills the rest of the bar
      options.progress = [this](double fraction, const std::string& stage) {
        emit loadProgress(kQuantizedTo + (kWeightsTo - kQuantizedTo) * fraction,
                          QString::fromStdString(stage));
      };
    }
    auto model = Model::open(weights, options, /*allow_fallback=*/true);
    if (tokenizer->vocab_size() > model->config().vocab_size)
      throw Error("the tokenizer has " + std::to_string(tokenizer->vocab_size()) +
                  " tokens but the model only " + std::to_string(model->config().vocab_size) +
                  ": they do not belong together");
    checkCancel();
    emit loadProgress(0.97, tr("Preparing the session"));
    auto chat = std::make_unique<ChatSession>(*model, *tokenizer, config);

    ModelInfo info;
    info.path = request.path;
    info.name = modelDisplayName(request.path);
    if (info.name.isEmpty()) info.name = QString::fromStdString(model->name());
    info.quant = ggufQuantLabel(QString::fromStdString(weights.string()));
    info.notice = notice;
    const BackendInfo backend = model->backend().info();
    info.backend = QString::fromStdString(backend.name);
    info.device = QString::fromStdString(backend.device);
    info.fallbackReason = QString::fromStdString(model->fallback_reason());
    if (backend.name == "vulkan") {  // lavapipe runs Vulkan on the CPU: say it is emulated
      try {
        for (const DeviceDescription& d : describe_devices("vulkan", options.backend_options))
          if (!d.hardware_gpu && d.text.find(backend.device) != std::string::npos)
            info.emulated = true;
      } catch (const std::exception&) {
        // no list: nothing more to say
      }
    }
    info.threads = backend.threads;
    info.fingerprint = model->fingerprint();
    info.weightBytes = qint64(model->weight_bytes());
    info.stateBytes = qint64(chat->session().state_bytes());
    info.sampling = config.sampling();
    info.maxTokens = ChatSettings::answerLength(config.max_new_tokens.value_or(0));
    checkCancel();  // the last point where a cancel is honoured

    model_ = std::move(model);
    tokenizer_ = std::move(tokenizer);
    chatConfig_ = std::move(config);
    chat_ = std::move(chat);
    endLoad();
    emit loadProgress(1.0, tr("Ready"));
    emit modelLoaded(info);
  } catch (const LoadCancelled&) {
    endLoad();
    emit loadCancelled(request.path);
  } catch (const std::exception& e) {
    endLoad();
    emit modelLoadFailed(request.path, QString::fromUtf8(e.what()));
  }
}

void InferenceWorker::countTokens(qint64 key, const QString& text) {
  qint64 tokens = -1;
  if (tokenizer_) {
    try {
      tokens = qint64(tokenizer_->encode(text.toStdString(), /*parse_special=*/false).size());
    } catch (const std::exception&) {
      tokens = -1;
    }
  }
  emit tokensCounted(key, tokens);
}

void InferenceWorker::listDevices() {
  QVariantMap out;
  QVariantList gpus;
  for (const std::string& name : compiled_backends()) {
    if (name == "cpu-ref") continue;
    QStringList devices;
    try {
      for (const DeviceDescription& d : describe_devices(name, engineOptions_.backend_options)) {
        devices << QString::fromStdString(d.text);
        if (d.hardware_gpu)
          gpus << QVariantMap{{QStringLiteral("name"), QString::fromStdString(d.text)},
                              {QStringLiteral("bytes"), qint64(d.memory_bytes)}};
      }
    } catch (const std::exception&) {
      // a backend with no usable device lists none
    }
    out.insert(QString::fromStdString(name), devices);
  }
  emit devicesListed(out, gpus);
}

}  // namespace coil::app

// InferenceWorker: resuming a conversation from its saved state, generating, saving.
namespace coil::app {

namespace {

std::vector<ChatMessage> toEngine(const QList<ChatTurn>& turns) {
  std::vector<ChatMessage> out;
  out.reserve(size_t(turns.size()));
  for (const ChatTurn& t : turns) out.push_back({t.role.toStdString(), t.content.toStdString()});
  return out;
}

QString finishName(FinishReason r) {
  switch (r) {
    case FinishReason::Eos:
    case FinishReason::StopString:
      return QStringLiteral("stop");
    case FinishReason::MaxTokens:
      return QStringLiteral("length");
    case FinishReason::Cancelled:
      return QStringLiteral("cancelled");
  }
  return {};
}

// A state that fails its checks is removed; a storage hiccup (busy, permissions) is not.
bool shouldDiscard(const storage::StorageError& e) {
  using Kind = storage::StorageError::Kind;
  return e.kind() == Kind::Corrupt || e.kind() == Kind::NotFound;
}

}  // namespace

std::string InferenceWorker::render(const QList<ChatTurn>& turns, bool addGenerationPrompt) const {
  return chat_->chat_template().render(toEngine(turns), addGenerationPrompt, chatConfig_->bos_token,
                                       chatConfig_->eos_token);
}

ResumeReport InferenceWorker::resume(qint64 conversationId, qint64 messageId,
                                     const std::string& rendered, const QList<qint64>& alsoFrom) {
  ResumeReport report;
  report.conversationId = conversationId;
  const std::string& covered = chat_->covered_text();
  if (conversationId == conversation_ && chat_->session().n_tokens() > 0 &&
      rendered.compare(0, covered.size(), covered) == 0) {
    report.kind = ResumeReport::Kind::Continued;
    return report;
  }
  chat_->reset();
  conversation_ = conversationId;
  if (conversationId <= 0 || !keeper_ || !keeper_->enabled()) return report;
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::optional<storage::Checkpoint> checkpoint;
    try {
      checkpoint = keeper_->nearest(conversationId, messageId, model_->fingerprint());
      for (qint64 other : alsoFrom) {
        auto c = keeper_->nearest(conversationId, other, model_->fingerprint());
        if (c && (!checkpoint || c->tokenCount > checkpoint->tokenCount)) checkpoint = c;
      }
    } catch (const std::exception&) {
      break;  // no usable state store: the text is prefilled, as for a chat never saved
    }
    if (!checkpoint) break;
    QElapsedTimer timer;
    timer.start();
    try {
      auto loaded = keeper_->load(*checkpoint, model_->fingerprint());
      // The text is the source of truth: a state of other text (an edited system prompt,
      // another template) is not used.
      if (rendered.compare(0, loaded.coveredText.size(), loaded.coveredText) != 0) break;
      chat_->restore(loaded.state, std::move(loaded.coveredText));
      keeper_->markUsed(checkpoint->id);
      report.kind = ResumeReport::Kind::Restored;
      report.restoreMs = double(timer.nsecsElapsed()) / 1e6;
      report.stateTokens = loaded.state.header.n_tokens;
      return report;
    } catch (const storage::StorageError& e) {
      chat_->reset();
      report.discarded = e.message();
      if (!shouldDiscard(e)) break;
      keeper_->discard(checkpoint->id);
    } catch (const std::exception& e) {
      chat_->reset();
      report.discarded = QString::fromUtf8(e.what());
      keeper_->discard(checkpoint->id);
    }
  }
  return report;
}

void InferenceWorker::prepare(const PrepareRequest& request) {
  if (!chat_) return;
  try {
    const std::string rendered = render(request.turns, false);
    emit prepared(resume(request.conversationId, request.leafMessageId, rendered));
  } catch (const std::exception& e) {
    chat_->reset();
    conversation_ = 0;
    ResumeReport report;
    report.conversationId = request.conversationId;
    report.discarded = QString::fromUtf8(e.what());
    emit prepared(report);
  }
}

void InferenceWorker::generate(const GenerateRequest& request) {
  cancel_.store(request.id <= stopUpTo_.load());
  emit generationStarted(request.id);
  if (!chat_) {
    emit generationFailed(request.id, tr("No model is loaded."));
    return;
  }
  finished_.reset();
  try {
    GenerationResult out;
    out.requestId = request.id;
    out.conversationId = request.conversationId;
    const std::string prompt = request.continueLast
                                   ? chat_->continuation_prompt(toEngine(request.turns))
                                   : render(request.turns, true);
    const std::string documents =
        request.continueLast ? std::string() : documentPrefix(request, prompt);
    out.resume = resume(request.conversationId, request.anchorMessageId, prompt,
                        documents.empty() ? QList<qint64>{} : request.documentMessageIds);
    if (!documents.empty() && chat_->covered_text().size() < documents.size() &&
        !readDocuments(request, documents, out)) {
      out.finishReason = QStringLiteral("cancelled");
      emit generationFinished(out);
      return;
    }

    GenerateOptions options;
    options.sampling = request.sampling;
    options.max_tokens = request.maxTokens;
    if (request.samplingOverrides) {
      options.sampling = chatConfig_->sampling();
      int maxTokens = ChatSettings::answerLength(chatConfig_->max_new_tokens.value_or(0));
      ChatSettings::fromJson(*request.samplingOverrides, options.sampling, maxTokens);
      options.max_tokens = maxTokens;
    }
    options.on_prefill = [this, id = request.id](int64_t done, int64_t total) {
      emit prefillProgress(id, done, total);
    };
    const auto onText = [this, id = request.id](std::string_view piece) {
      emit textGenerated(id, QString::fromUtf8(piece.data(), qsizetype(piece.size())));
      return true;
    };
    const GenerateResult r =
        request.continueLast
            ? chat_->continue_reply(toEngine(request.turns), options, onText, &cancel_)
            : chat_->reply(toEngine(request.turns), options, onText, &cancel_);
    out.text = QString::fromStdString(r.text);
    out.finishReason = finishName(r.finish);
    out.promptTokens = out.documentTokens + chat_->last_prefill_tokens();
    out.completionTokens = qint64(r.tokens.size());
    out.prefillMs += r.prefill_ms;
    out.decodeMs = r.decode_ms;
    out.seed = r.seed;
    out.stateReady = chat_->session().n_tokens() > 0;
    if (out.stateReady)
      finished_ = FinishedTurn{request.id, request.conversationId, chat_->session().save_state(),
                               chat_->covered_text()};
    emit generationFinished(out);
  } catch (const std::exception& e) {
    chat_->reset();
    conversation_ = 0;
    emit generationFailed(request.id, QString::fromUtf8(e.what()));
  }
}

std::string InferenceWorker::documentPrefix(const GenerateRequest& request,
                                            const std::string& rendered) const {
  if (request.turns.isEmpty() || request.turns.last().documentChars <= 0) return {};
  // The prompt with the last turn cut right after its documents shares with the whole one
  // the text up to where they differ; the document block's closing tag inside that common
  // part is where the state is worth keeping (whatever the template does after it, e.g. trim
  // the turn's text).
  QList<ChatTurn> cut = request.turns;
  cut.last().content.truncate(cut.last().documentChars);
  const std::string head = render(cut, false);
  size_t common = 0;
  while (common < head.size() && common < rendered.size() && head[common] == rendered[common])
    ++common;
  static constexpr std::string_view kClose = "</document>";
  const size_t close = rendered.rfind(kClose, common >= kClose.size() ? common - kClose.size() : 0);
  if (close == std::string::npos || close + kClose.size() > common) return {};
  return rendered.substr(0, close + kClose.size());
}

bool InferenceWorker::readDocuments(const GenerateRequest& request, const std::string& prefix,
                                    GenerationResult& out) {
  QElapsedTimer timer;
  timer.start();
  // Pieces of a hundredth of the text's bytes in tokens (at least 256; a few percent of the
  // document for a BPE tokenizer): the bar moves, and a stop is honoured between pieces as
  // well as between the engine's chunks.
  const auto onProgress = [&](int64_t done, int64_t total) {
    emit readingProgress(request.id, done, total, double(timer.nsecsElapsed()) / 1e6);
  };
  const int64_t estimate = int64_t(prefix.size() - chat_->covered_text().size());
  const int64_t piece = std::max<int64_t>(256, estimate / 100);
  if (!chat_->feed_text(prefix, piece, onProgress, &cancel_)) return false;
  out.documentTokens = chat_->last_prefill_tokens();
  out.prefillMs = double(timer.nsecsElapsed()) / 1e6;
  if (keeper_ && keeper_->enabled()) {
    try {
      keeper_->save(request.conversationId, request.anchorMessageId, chat_->session().save_state(),
                    chat_->covered_text(), /*makeLatest=*/false);
      emit documentCheckpointSaved(request.conversationId, request.anchorMessageId,
                                   chat_->session().n_tokens());
    } catch (const storage::StorageError& e) {
      if (e.kind() != storage::StorageError::Kind::NotFound)
        emit stateSaveFailed(request.conversationId, e.message(),
                             e.kind() == storage::StorageError::Kind::DiskFull);
    } catch (const std::exception& e) {
      emit stateSaveFailed(request.conversationId, QString::fromUtf8(e.what()), false);
    }
  }
  return true;
}

void InferenceWorker::saveState(qint64 requestId, qint64 messageId) {
  if (!finished_ || finished_->requestId != requestId) return;
  const FinishedTurn turn = std::move(*finished_);
  finished_.reset();
  if (!keeper_ || !keeper_->enabled()) return;
  QElapsedTimer timer;
  timer.start();
  try {
    const auto c = keeper_->save(turn.conversationId, messageId, turn.state, turn.coveredText);
    emit stateSaved(turn.conversationId, messageId, c.bytes, double(timer.nsecsElapsed()) / 1e6);
  } catch (const storage::StorageError& e) {
    if (e.kind() == storage::StorageError::Kind::NotFound) return;  // the chat was deleted
    emit stateSaveFailed(turn.conversationId, e.message(),
                         e.kind() == storage::StorageError::Kind::DiskFull);
  } catch (const std::exception& e) {
    emit stateSaveFailed(turn.conversationId, QString::fromUtf8(e.what()), false);
  }
}

double GenerationResult::prefillTokensPerS() const {
  return prefillMs > 0 ? double(promptTokens) * 1000.0 / prefillMs : 0.0;
}

double GenerationResult::decodeTokensPerS() const {
  return decodeMs > 0 && completionTokens > 1 ? double(completionTokens - 1) * 1000.0 / decodeMs
                                              : 0.0;
}

}  // namespace coil::app
