#include <cstdint>

#include "device_common.cuh"
#include "gemv.cuh"
#include "gemv_reduce.cuh"
#include "launch.cuh"

namespace coil::cuda {
namespace {

constexpr int kWarps = 8;   // 256 threads per block
constexpr int kUnroll = 4;  // 16-byte weight loads in flight per row per thread

// acc += dot(x[0..kVec), the kVec weights packed in `raw`)
template <typename W, int kVec>
__device__ __forceinline__ void dot_acc(const uint4& raw, const float4* xv, float& acc) {
  const float* xf = reinterpret_cast<const float*>(xv);
  float wf[kVec];
  widen16<W>(raw, wf);
#pragma unroll
  for (int i = 0; i < kVec; ++i) acc = fmaf(xf[i], wf[i], acc);
}

// A block has kWarps warps in kWarps/KSPLIT row groups of KSPLIT warps; a row group owns RPW
// consecutive rows and its warps split K between them. VEC: 16-byte loads of w and x
// (needs 16-byte aligned rows and x); otherwise one element per lane per step.
// The lane's x vector (kVec/4 float4s at x + k) for the dot product. NORM (norm_matmul): its
// squares go into ss first (a row group's lanes load every x[k] exactly once, so the group's
// ss ends as sum_k x[k]^2: no separate pass over x), then it is multiplied by norm_w.
template <bool NORM, int NQ>
__device__ __forceinline__ void load_x(float4* xv, const float* __restrict__ x,
                                       const float* __restrict__ nw, int64_t k, float& ss) {
#pragma unroll
  for (int q = 0; q < NQ; ++q) xv[q] = __ldg(reinterpret_cast<const float4*>(x + k) + q);
  if constexpr (NORM) {
#pragma unroll
    for (int q = 0; q < NQ; ++q) {
      ss = fmaf(xv[q].x, xv[q].x,
                fmaf(xv[q].y, xv[q].y, fmaf(xv[q].z, xv[q].z, fmaf(xv[q].w, xv[q].w, ss))));
      const float4 g = __ldg(reinterpret_cast<const float4*>(nw + k) + q);
      xv[q].x *= g.x;
      xv[q].y *= g.y;
      xv[q].z *= g.z;
      xv[q].w *= g.w;
    }
  }
}

// A block has kWarps warps in kWarps/KSPLIT row groups of KSPLIT warps; a row group owns RPW
// consecutive rows and its warps split K between them. VEC: 16-byte loads of w and x
// (needs 16-byte aligned rows and x); otherwise one element per lane per step.
// NORM: norm_matmul, out = (sum_k x[k] * norm_w[k] * w[n, k]) / rms(x); acc[RPW] holds the
// sum of squares of x and is reduced like the row sums.
template <typename W, int RPW, bool VEC, bool NORM>
__global__ void __launch_bounds__(kWarps * 32) gemv_kernel(GemvArgs a, int ksplit) {
  constexpr int NACC = RPW + (NORM ? 1 : 0);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int groups = kWarps / ksplit;
  const int group = warp / ksplit, slice = warp % ksplit;
  const int64_t row0 = (int64_t(blockIdx.x) * groups + group) * RPW;
  const W* __restrict__ w = static_cast<const W*>(a.w);
  const float* __restrict__ x = a.x;
  const float* __restrict__ nw = a.norm_w;
  const int64_t K = a.K;

  bool live[RPW];
  const W* wrow[RPW];
#pragma unroll
  for (int r = 0; r < RPW; ++r) {
    live[r] = row0 + r < a.N;
    wrow[r] = w + (live[r] ? row0 + r : 0) * K;
  }
  float acc[NACC] = {};
  float& ss = acc[NACC - 1];  // NORM only

  if constexpr (VEC) {
    constexpr int kVec = 16 / sizeof(W);  // elements per 16-byte load
    constexpr int kStep = 32 * kVec;      // elements per warp per chunk
    const int64_t full = K / kStep;       // chunks wholly inside the row
    // With programmatic dependent launch this block may start while the previous kernel is
    // still running: pull its first weights into L2 before waiting for the input vector
    // (always safe: L2 is coherent, a prefetch only warms it).
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t cu = slice + int64_t(u) * ksplit;
      if (cu < full)
#pragma unroll
        for (int r = 0; r < RPW; ++r)
          asm volatile("prefetch.global.L2 [%0];" ::"l"(wrow[r] + cu * kStep + lane * kVec));
    }
    dependency_wait();
    int64_t c = slice;
    // main loop: kUnroll chunks per row, loads unconditional (dead rows read row 0 and are
    // dropped at the end), all issued before the first use
    for (; c + int64_t(kUnroll - 1) * ksplit < full; c += int64_t(kUnroll) * ksplit) {
      uint4 raw[kUnroll][RPW];
      float4 xv[kUnroll][kVec / 4];
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const int64_t k = (c + int64_t(u) * ksplit) * kStep + lane * kVec;
#pragma unroll
        for (int r = 0; r < RPW; ++r)
          raw[u][r] = __ldcs(reinterpret_cast<const uint4*>(wrow[r] + k));
        load_x<NORM, kVec / 4>(xv[u], x, nw, k, ss);
      }
#pragma unroll
      for (int u = 0; u < kUnroll; ++u)
#pragma unroll
        for (int r = 0; r < RPW; ++r) dot_acc<W, kVec>(raw[u][r], &xv[u][0], acc[r]);
    }
    // the rest: whole chunks, then the partial last one (K % kVec == 0: a lane's vector is
    // wholly in or out)
    for (; c * kStep < K; c += ksplit) {
      const int64_t k = c * kStep + lane * kVec;
      if (k < K) {
        float4 xv[kVec / 4];
        load_x<NORM, kVec / 4>(xv, x, nw, k, ss);
#pragma unroll
        for (int r = 0; r < RPW; ++r)
          dot_acc<W, kVec>(__ldcs(reinterpret_cast<const uint4*>(wrow[r] + k)), xv, acc[r]);
      }
    }
  } else {
    dependency_wait();
    for (int64_t k = int64_t(slice) * 32 + lane; k < K; k += int64_t(ksplit) * 32) {
      float xv = x[k];
      if constexpr (NORM) {
        ss = fmaf(xv, xv, ss);
        xv *= nw[k];
      }
#pragma unroll
      for (int r = 0; r < RPW; ++r)
        if (live[r]) acc[r] = fmaf(xv, to_f32(wrow[r][k]), acc[r]);
    }
  }

  gemv_finish<kWarps, RPW, NORM>(acc, a, row0, warp, lane, slice, ksplit);
}

template <typename W, int RPW, bool NORM>
void launch_rpw(const Launch& l, const GemvArgs& a, int ksplit, bool vec) {
  const int64_t rows_per_block = int64_t(kWarps / ksplit) * RPW;
  const dim3 grid(static_cast<unsigned>((a.N + rows_per_block - 1) / rows_per_block));
  if (vec)
    launch_kernel(l, "gemv", gemv_kernel<W, RPW, true, NORM>, grid, kWarps * 32, 0, a, ksplit);
  else
    launch_kernel(l, "gemv", gemv_kernel<W, RPW, false, NORM>, grid, kWarps * 32, 0, a, ksplit);
}

template <typename W, int RPW>
void launch_rpw(const Launch& l, const GemvArgs& a, int ksplit, bool vec) {
  if (a.norm_w) return launch_rpw<W, RPW, true>(l, a, ksplit, vec);
  launch_rpw<W, RPW, false>(l, a, ksplit, vec);
}

template <typename W>
void launch_typed(const Launch& l, const GemvArgs& a) {
  const bool vec =
      reinterpret_cast<uintptr_t>(a.w) % 16 == 0 && reinterpret_cast<uintptr_t>(a.x) % 16 == 0 &&
      reinterpret_cast<uintptr_t>(a.norm_w) % 16 == 0 && (a.K * int64_t(sizeof(W))) % 16 == 0;
  // The most rows per block that still gives every SM two blocks; few rows (x_proj: 288)
  // split K across warps instead.
  const int64_t target = 2 * int64_t(l.sm_count);
  auto blocks = [&](int rows_per_block) { return (a.N + rows_per_block - 1) / rows_per_block; };
  if (blocks(kWarps * 2) >= target) return launch_rpw<W, 2>(l, a, 1, vec);
  for (int ksplit = 1; ksplit < kWarps; ksplit *= 2)
    if (blocks(kWarps / ksplit) >= target) return launch_rpw<W, 1>(l, a, ksplit, vec);
  launch_rpw<W, 1>(l, a, kWarps, vec);
}

}  // namespace

void gemv(const Launch& l, const GemvArgs& a) {
  if (a.N <= 0) return;
  if (dtype_is_quantized(a.dtype)) return gemv_blocks(l, a);
  if (!with_weight_type(a.dtype, [&](auto w) { launch_typed<decltype(w)>(l, a); }))
    throw_error(cudaErrorInvalidValue, "gemv: unsupported weight dtype");
}

}  // namespace coil::cuda
