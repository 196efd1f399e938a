// Before a download: is there disk space for it, and will the model fit in memory?
#pragma once
#include <QJsonObject>
#include <QMetaType>
#include <QString>

namespace coil::hub {

// The shape of a Mamba / Falcon-Mamba model from its config.json (HF key names, with the
// original state-spaces names as fallbacks). valid is false when a dimension is missing.
struct MambaDims {
  qint64 layers = 0, hidden = 0, intermediate = 0, stateSize = 0, convKernel = 0;
  qint64 timeStepRank = 0, vocab = 0;
  bool tiedEmbeddings = true;
  bool valid = false;
};
MambaDims dimsFromConfig(const QJsonObject& config);

// Parameters of a model of these dims (embeddings, blocks, final norm, lm_head if untied).
qint64 parameterCount(const MambaDims& dims);
// The fp32 recurrent state of one sequence: per layer (K-1)*D conv + D*N ssm floats.
qint64 recurrentStateBytes(const MambaDims& dims);
// Bytes per value of a torch_dtype ("float32" 4, "bfloat16"/"float16" 2); 0 if unknown.
int dtypeBytes(const QString& torchDtype);

struct MemoryEstimate {
  qint64 parameterCount = 0;
  int dtypeBytes = 0;  // of the weights as they will be held
  qint64 weightBytes = 0;
  qint64 stateBytes = 0;
  qint64 totalBytes = 0;  // weights + state
  qint64 ramBytes = 0;    // this machine's RAM
  bool fitsInRam = true;
  bool valid = false;  // false when neither the config nor the weight size say anything
};

// `storedWeightBytes`: total size of the safetensors files (used when the config's dims are
// not enough to count parameters). `targetDtypeBytes` 0 = keep the stored dtype.
MemoryEstimate estimateMemory(const QJsonObject& config, qint64 storedWeightBytes,
                              int targetDtypeBytes = 0, qint64 ramBytes = -1);

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

// "1.5 GB", "114.7 kB", "12 B" (SI units, as the Hub shows sizes).
QString formatBytes(qint64 bytes);

}  // namespace coil::hub

Q_DECLARE_METATYPE(coil::hub::MemoryEstimate)
