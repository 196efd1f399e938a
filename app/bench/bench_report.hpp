// The resume benchmark's output: a table for people, or one JSON object (--json).
#pragma once
#include <QByteArray>
#include <QString>

#include "resume_bench.hpp"

namespace coil::app::bench {

QString formatTable(const BenchRun& run);
// {"model", "backend", "device", "threads", "repeat", "sizes": [{"target_tokens",
// "chat_tokens", "messages", "state_bytes", "state_save_ms", "resumed": {...},
// "reprefilled": {...}, "speedup"}]}; each way of reopening: {"kind", "ttft_ms" (median),
// "ttft_ms_runs", "restore_ms", "prompt_tokens", "state_tokens", "discarded"}; "engine":
// the engine alone on the same model, `coil bench --json`'s object (BenchRun::engine).
QByteArray formatJson(const BenchRun& run);

}  // namespace coil::app::bench
