#include "memory_fit.hpp"

#include <QVariantMap>

namespace coil::app {

MachineMemory machineMemory(const QVariantList& gpus) {
  MachineMemory m;
  m.ramBytes = hub::systemRamBytes();
  for (const QVariant& g : gpus) {
    const QVariantMap gpu = g.toMap();
    const qint64 bytes = gpu.value(QStringLiteral("bytes")).toLongLong();
    if (bytes > m.gpuBytes) {
      m.gpuBytes = bytes;
      m.gpuName = gpu.value(QStringLiteral("name")).toString();
    }
  }
  return m;
}

QString describeMachine(const MachineMemory& machine) {
  const QString ram = machine.ramBytes > 0 ? hub::formatBytes(machine.ramBytes) + " RAM"
                                           : QStringLiteral("RAM unknown");
  const QString gpu = machine.gpuBytes > 0
                          ? QStringLiteral("GPU: %1").arg(hub::formatBytes(machine.gpuBytes))
                          : QStringLiteral("GPU: none listed");
  return QStringLiteral("This computer: %1, %2").arg(ram, gpu);
}

MemoryFit assessMemoryFit(const hub::MemoryEstimate& e, const MachineMemory& machine) {
  MemoryFit fit;
  if (!e.valid || e.totalBytes <= 0) {
    fit.tone = QStringLiteral("neutral");
    fit.tip = QStringLiteral("The memory this model needs is not known yet.");
    return fit;
  }
  fit.neededBytes = e.totalBytes;
  const QString dtype =
      !e.quantizedAs.isEmpty()
          ? QStringLiteral("%1 (quantized at load: Settings > Weights)").arg(e.quantizedAs)
      : e.dtypeBytes == 2 ? QStringLiteral("16-bit")
      : e.dtypeBytes == 4 ? QStringLiteral("32-bit")
      : e.dtypeBytes == 0 ? QStringLiteral("stored")
                          : QStringLiteral("%1-byte").arg(e.dtypeBytes);
  QString need = QStringLiteral("Needs about %1: %2 of %3 weights + %4 of recurrent state.")
                     .arg(hub::formatBytes(e.totalBytes), hub::formatBytes(e.weightBytes), dtype,
                          hub::formatBytes(e.stateBytes));
  const QString ram = machine.ramBytes > 0 ? hub::formatBytes(machine.ramBytes)
                                           : QStringLiteral("an unknown amount of");
  const QString gpu =
      machine.gpuBytes > 0
          ? QStringLiteral("The largest GPU has %1 (%2).")
                .arg(hub::formatBytes(machine.gpuBytes), machine.gpuName)
          : QStringLiteral(
                "No GPU memory is known (the engine lists no GPU): compared with RAM "
                "only.");
  fit.tip = QStringLiteral("%1\nThis computer has %2 RAM. %3").arg(need, ram, gpu);
  if (machine.gpuBytes > 0 && e.totalBytes <= machine.gpuBytes) {
    fit.level = MemoryFit::Level::Gpu;
    fit.label = QStringLiteral("Fits GPU");
    fit.tone = QStringLiteral("good");
  } else if (machine.ramBytes <= 0) {
    fit.level = MemoryFit::Level::Unknown;
    fit.label = QStringLiteral("Needs %1").arg(hub::formatBytes(e.totalBytes));
    fit.tone = QStringLiteral("neutral");
  } else if (e.totalBytes > machine.ramBytes) {
    fit.level = MemoryFit::Level::TooBig;
    fit.label = QStringLiteral("Too big for RAM");
    fit.tone = QStringLiteral("bad");
  } else if (e.totalBytes > machine.ramBytes * 85 / 100) {
    fit.level = MemoryFit::Level::Tight;
    fit.label = QStringLiteral("Tight fit");
    fit.tone = QStringLiteral("warn");
  } else {
    fit.level = MemoryFit::Level::Ram;
    fit.label = QStringLiteral("Fits RAM");
    fit.tone = QStringLiteral("good");
  }
  return fit;
}

int bestFitIndex(const QList<MemoryFit>& fits) {
  for (MemoryFit::Level level :
       {MemoryFit::Level::Gpu, MemoryFit::Level::Ram, MemoryFit::Level::Tight})
    for (int i = 0; i < fits.size(); ++i)
      if (fits[i].level == level) return i;
  return fits.isEmpty() ? -1 : int(fits.size()) - 1;
}

}  // namespace coil::app
