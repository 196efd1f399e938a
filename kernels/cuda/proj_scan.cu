#include <algorithm>

#include "device_common.cuh"
#include "launch.cuh"
#include "proj_scan.cuh"
#include "quant_block.hpp"
#include "selective_scan.cuh"

namespace coil::cuda {
namespace {

constexpr int kBlock = 128;

// A channel's dt_proj row and its dot product with the staged dt row v[0..R) over the L lanes
// of the channel's group (each lane's part; the caller sums the group). Element dtypes W:
// lane `lane` takes every L-th 16-byte vector (VEC: rows 16-byte aligned and
// R * sizeof(W) % 16 == 0) or element.
template <typename W, bool VEC>
struct ElementRows {
  static __device__ const void* row(const void* base, int64_t d, int64_t R) {
    return static_cast<const W*>(base) + d * R;
  }
  static __device__ void prefetch(const void* row, int64_t R, int lane) {
    constexpr int kVec = 16 / sizeof(W);
    if (VEC && int64_t(lane) * kVec < R)
      asm volatile("prefetch.global.L2 [%0];" ::"l"(static_cast<const W*>(row) + lane * kVec));
  }
  template <int L>
  static __device__ float dot(const float* v, const void* row, int64_t R, int lane) {
    const W* __restrict__ w = static_cast<const W*>(row);
    float acc = 0.0f;
    if constexpr (VEC) {
      constexpr int kVec = 16 / sizeof(W);
      for (int64_t r = int64_t(lane) * kVec; r < R; r += int64_t(L) * kVec) {
        const uint4 raw = __ldg(reinterpret_cast<const uint4*>(w + r));
        float wf[kVec];
        widen16<W>(raw, wf);
#pragma unroll
        for (int i = 0; i < kVec; ++i) acc = fmaf(v[r + i], wf[i], acc);
      }
    } else {
      for (int64_t r = lane; r < R; r += L) acc = fmaf(v[r], to_f32(w[r]), acc);
    }
    return acc;
  }
};

// Block-type dt_proj (R whole blocks, the tensor 16-byte aligned): lanes take every L-th unit
// of quant_block.hpp, dequantized in registers.
template <DType T>
struct BlockRows {
  using Q = qblock::Layout<T>;
  static __device__ const void* row(const void* base, int64_t d, int64_t R) {
    return static_cast<const uint8_t*>(base) + d * (R / Q::kBS) * Q::kBB;
  }
  static __device__ void prefetch(const void* row, int64_t R, int lane) {
    const int64_t u = lane;
    if (u < (R / Q::kBS) * Q::kUPB)
      asm volatile("prefetch.global.L2 [%0];" ::"l"(static_cast<const uint8_t*>(row) +
                                                    (u / Q::kUPB) * Q::kBB));
  }
  template <int L>
  static __device__ float dot(const float* v, const void* row, int64_t R, int lane) {
    const uint8_t* w = static_cast<const uint8_t*>(row);
    const int64_t units = (R / Q::kBS) * Q::kUPB;
    float acc = 0.0f;
    for (int64_t u = lane; u < units; u += L) {
      const int64_t b = u / Q::kUPB;
      const int part = static_cast<int>(u - b * Q::kUPB);
      float wv[4 * Q::kNG];
      qblock::unit<T, false>(w + b * Q::kBB, part, wv);
      const float* vb = v + b * Q::kBS;
#pragma unroll
      for (int g = 0; g < Q::kNG; ++g) {
        const float* vg = vb + qblock::group_pos<T>(part, g);
#pragma unroll
        for (int j = 0; j < 4; ++j) acc = fmaf(vg[j], wv[4 * g + j], acc);
      }
    }
    return acc;
  }
};

// The sum of v over the L lanes of a channel group (aligned L-lane segments of the warp: xor
// offsets < L stay in it), in every lane of it.
template <int L>
__device__ __forceinline__ float group_sum(float v) {
#pragma unroll
  for (int o = L / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Stages row t of dt_low, B and C into shared memory (normalised when a.norm).
__device__ void stage_row(const ProjScanKernelArgs& a, int64_t t, float* s_dt, float* s_B,
                          float* s_C) {
  float ss_dt = 0.0f, ss_B = 0.0f, ss_C = 0.0f;
  for (int64_t r = threadIdx.x; r < a.R; r += kBlock) {
    const float v = a.dt_low[t * a.dt_low_stride + r];
    s_dt[r] = v;
    ss_dt = fmaf(v, v, ss_dt);
  }
  for (int64_t n = threadIdx.x; n < a.s.N; n += kBlock) {
    const float b = a.s.B[t * a.s.B_stride + n], c = a.s.C[t * a.s.C_stride + n];
    s_B[n] = b;
    s_C[n] = c;
    ss_B = fmaf(b, b, ss_B);
    ss_C = fmaf(c, c, ss_C);
  }
  if (a.norm) {
    // every thread rescales exactly the elements it stored: no barrier needed before
    const float inv_dt = 1.0f / sqrtf(block_reduce<kBlock>(ss_dt) / float(a.R) + a.eps);
    const float inv_B = 1.0f / sqrtf(block_reduce<kBlock>(ss_B) / float(a.s.N) + a.eps);
    const float inv_C = 1.0f / sqrtf(block_reduce<kBlock>(ss_C) / float(a.s.N) + a.eps);
    for (int64_t r = threadIdx.x; r < a.R; r += kBlock) s_dt[r] *= inv_dt;
    for (int64_t n = threadIdx.x; n < a.s.N; n += kBlock) {
      s_B[n] *= inv_B;
      s_C[n] *= inv_C;
    }
  }
  __syncthreads();
}

// L lanes per channel (a power of two <= 32), SPT states per lane: N <= L * SPT. Rows:
// ElementRows or BlockRows, dt_proj's dtype.
template <typename Rows, int L, int SPT>
__global__ void __launch_bounds__(kBlock) proj_scan_kernel(ProjScanKernelArgs a) {
  constexpr int CPB = kBlock / L;  // channels per block
  extern __shared__ float smem[];  // [R] dt | [N] B | [N] C of the current time step
  float* s_dt = smem;
  float* s_B = smem + a.R;
  float* s_C = s_B + a.s.N;

  const int lane = threadIdx.x % L, c = threadIdx.x / L;
  const int64_t d = int64_t(blockIdx.x) * CPB + c;
  const bool live = d < a.s.D;
  const void* wrow = Rows::row(a.dt_proj, live ? d : 0, a.R);
  // weights are never written by a kernel: warm L2 with this channel's dt_proj row while
  // the previous kernel finishes (programmatic dependent launch)
  Rows::prefetch(wrow, a.R, lane);
  dependency_wait();

  const int64_t N = a.s.N;
  float h[SPT], A[SPT];
  load_channel_state<L, SPT>(a.s.state, a.s.A, d, N, lane, live, h, A);
  const float dskip = live ? a.s.Dskip[d] : 0.0f;
  const float bias = live ? a.s.dt_bias[d] : 0.0f;

  for (int64_t t = 0; t < a.s.T; ++t) {
    if (t > 0) __syncthreads();  // everyone is done with the previous step's staged row
    stage_row(a, t, s_dt, s_B, s_C);
    const float delta = softplus(group_sum<L>(Rows::template dot<L>(s_dt, wrow, a.R, lane)) + bias);
    const float xv = live ? a.s.x[t * a.s.x_stride + d] : 0.0f;
    const float dx = delta * xv;
    float y = 0.0f;
#pragma unroll
    for (int s = 0; s < SPT; ++s) {
      const int64_t n = lane + s * L;
      if (n < N) {  // padded states have A = h = 0 and stay 0
        h[s] = fmaf(expf(delta * A[s]), h[s], dx * s_B[n]);
        y = fmaf(h[s], s_C[n], y);
      }
    }
#pragma unroll
    for (int o = L / 2; o > 0; o >>= 1) y += __shfl_xor_sync(0xffffffffu, y, o);
    if (live && lane == 0)
      a.s.out[t * a.s.out_stride + d] = fmaf(dskip, xv, y) * silu(a.s.z[t * a.s.z_stride + d]);
  }

  store_channel_state<L, SPT>(a.s.state, d, N, lane, live, h);
}

template <typename Rows, int L, int SPT>
void launch_ls(const Launch& l, const ProjScanKernelArgs& a) {
  constexpr int CPB = kBlock / L;
  const size_t smem = size_t(a.R + 2 * a.s.N) * sizeof(float);
  const dim3 grid(blocks_for(a.s.D, CPB));
  launch_kernel(l, "proj_scan", proj_scan_kernel<Rows, L, SPT>, grid, kBlock, smem, a);
}

template <typename Rows>
void launch_rows(const Launch& l, const ProjScanKernelArgs& a) {
  const int64_t N = a.s.N;
  if (N <= 4) return launch_ls<Rows, 4, 1>(l, a);
  if (N <= 8) return launch_ls<Rows, 8, 1>(l, a);
  if (N <= 16) return launch_ls<Rows, 16, 1>(l, a);
  if (N <= 32) return launch_ls<Rows, 32, 1>(l, a);
  if (N <= 64) return launch_ls<Rows, 32, 2>(l, a);
  if (N <= 128) return launch_ls<Rows, 32, 4>(l, a);
  launch_ls<Rows, 32, 8>(l, a);
}

template <typename W>
void launch_typed(const Launch& l, const ProjScanKernelArgs& a) {
  const bool vec =
      reinterpret_cast<uintptr_t>(a.dt_proj) % 16 == 0 && (a.R * int64_t(sizeof(W))) % 16 == 0;
  if (vec) return launch_rows<ElementRows<W, true>>(l, a);
  launch_rows<ElementRows<W, false>>(l, a);
}

}  // namespace

void proj_scan(const Launch& l, const ProjScanKernelArgs& a) {
  if (a.s.T <= 0 || a.s.D <= 0) return;
  if (a.s.N > kMaxScanState || a.s.N < 1)
    throw_error(cudaErrorInvalidValue, "proj_scan: state size outside 1..256");
  if (size_t(a.R + 2 * a.s.N) * sizeof(float) > 48 * 1024)
    throw_error(cudaErrorInvalidValue, "proj_scan: dt rank too large for shared memory");
  if (dtype_is_quantized(a.dt_proj_dtype)) {
    if (!block_weights_aligned(a.dt_proj))
      throw_error(cudaErrorMisalignedAddress,
                  "proj_scan: block-type dt_proj must start on 16 bytes");
    with_block_type(a.dt_proj_dtype,
                    [&](auto t) { launch_rows<BlockRows<decltype(t)::value>>(l, a); });
    return;
  }
  if (!with_weight_type(a.dt_proj_dtype, [&](auto w) { launch_typed<decltype(w)>(l, a); }))
    throw_error(cudaErrorInvalidValue, "proj_scan: unsupported dt_proj dtype");
}

}  // namespace coil::cuda
