// Before a download: is there disk space for it, and will the model fit in memory?
#pragma once
#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include "format_bytes.hpp"

namespace coil::hub {

// Bytes per value of a torch_dtype ("float32" 4, "bfloat16"/"float16" 2); 0 if unknown.
int dtypeBytes(const QString& torchDtype);

struct MemoryEstimate {
  qint64 parameterCount = 0;
  int dtypeBytes = 0;   // of the weights as they will be held
  QString quantizedAs;  // "Q4_K" when a safetensors model is quantized at load, "" otherwise
  qint64 weightBytes = 0;
  qint64 stateBytes = 0;
  qint64 totalBytes = 0;  // weights + state
  qint64 ramBytes = 0;    // this machine's RAM
  bool fitsInRam = true;
  bool valid = false;  // false when neither the config nor the weight size say anything
};

// The engine reads the config (coil::ModelConfig: the one parser of config.json) and counts
// the parameters and the state (coil::memory_estimate). `storedWeightBytes`: total size of
// the safetensors files (used when the engine cannot read the config, e.g. another
// architecture). `targetDtypeBytes` 0 = keep the stored dtype.
MemoryEstimate estimateMemory(const QJsonObject& config, qint64 storedWeightBytes,
                              int targetDtypeBytes = 0, qint64 ramBytes = -1);

// The same for a safetensors model as Settings > Weights runs it: `weights` "stored" (or
// "") is estimateMemory's; "q8_0" / "q4_k" (a copy quantized at load) holds what
// coil::quantize_model writes for that config (coil::quantized_weight_bytes).
MemoryEstimate estimateMemoryAs(const QJsonObject& config, qint64 storedWeightBytes,
                                const QString& weights, qint64 ramBytes = -1);

// A model whose weights are held as stored (a GGUF file: the engine keeps quant blocks as
// they are): `fileBytes` of weights, plus the recurrent state when `config` (config.json's
// shape, may be empty) says how big it is.
MemoryEstimate estimateStoredMemory(qint64 fileBytes, const QJsonObject& config = {},
                                    qint64 ramBytes = -1);

// MemTotal of /proc/meminfo (or the platform's equivalent); 0 if unknown.
qint64 systemRamBytes();

struct DiskCheck {
  qint64 neededBytes = 0;
  qint64 availableBytes = -1;  // -1: could not tell
  bool ok = true;
  QString message;  // set when !ok
};
// Free space of the file system holding `dir` (or its nearest existing parent) vs `neededBytes`.
DiskCheck checkFreeSpace(const QString& dir, qint64 neededBytes);

}  // namespace coil::hub

Q_DECLARE_METATYPE(coil::hub::MemoryEstimate)
