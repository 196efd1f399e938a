// The memory-fit badge of the Models page: will a model (its weights in the dtype the engine
// holds them + one recurrent state, see hub::estimateMemory) fit in this machine's GPU
// memory or RAM? RAM comes from /proc/meminfo; GPU memory from the engine's device listing
// (InferenceWorker::devicesListed: each usable hardware GPU with its memory in bytes).
// Without a GPU listed the badge compares with RAM only and its tooltip says so.
#pragma once
#include <QString>
#include <QVariantList>
#include <QVariantMap>

#include "resource_estimate.hpp"

namespace coil::app {

struct MachineMemory {
  qint64 ramBytes = 0;  // 0: unknown
  qint64 gpuBytes = 0;  // the largest listed GPU's memory, 0: none listed
  QString gpuName;      // that GPU's description
};

// This machine: its RAM, and the largest GPU of devicesListed's `gpus` ([{"name": text,
// "bytes": memory}]; the engine leaves out CPU implementations and unusable devices).
MachineMemory machineMemory(const QVariantList& gpus);

// "This computer: 16.8 GB RAM, GPU: none listed" (SI units, as the Hub shows sizes).
QString describeMachine(const MachineMemory& machine);

struct MemoryFit {
  enum class Level { Unknown, Gpu, Ram, Tight, TooBig };
  Level level = Level::Unknown;
  qint64 neededBytes = 0;
  QString label;  // the badge: "Fits GPU", "Fits RAM", "Tight fit", "Too big", ""
  QString tone;   // Badge.qml tones: "good", "warn", "bad", "neutral"
  QString tip;    // the tooltip: what is needed and what the machine has

  // The badge as the list models' "fit" role gives it to QML: {label, tone, tip}.
  QVariantMap badge() const {
    return {{QStringLiteral("label"), label},
            {QStringLiteral("tone"), tone},
            {QStringLiteral("tip"), tip}};
  }
};

// Which of several ways to get one model (most precise first: BF16, Q8_0, Q4_K_M...) to
// offer first: the most precise that fits the GPU, else the most precise that fits RAM,
// else one that fits tightly, else the last (smallest); -1 for none.
int bestFitIndex(const QList<MemoryFit>& fitsMostPreciseFirst);

// Tight: it fits in RAM but leaves less than 15% of it to everything else.
MemoryFit assessMemoryFit(const hub::MemoryEstimate& estimate, const MachineMemory& machine);

}  // namespace coil::app
