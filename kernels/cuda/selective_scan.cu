#include <algorithm>

#include "device_common.cuh"
#include "launch.cuh"
#include "selective_scan.cuh"

namespace coil::cuda {
namespace {

constexpr int kBlock = 128;

// L lanes per channel (a power of two <= 32), SPT states per lane: N <= L * SPT.
template <int L, int SPT>
__global__ void __launch_bounds__(kBlock) scan_kernel(ScanKernelArgs a) {
  constexpr int CPB = kBlock / L;  // channels per block
  constexpr int NS = L * SPT;      // staged state columns
  // time steps staged per pass: ~32 KiB of shared memory at most
  constexpr int TS = std::max(4, std::min(32, 8192 / (4 * CPB + 2 * NS)));
  __shared__ float s_delta[TS][CPB], s_x[TS][CPB], s_gate[TS][CPB], s_y[TS][CPB];
  __shared__ float s_B[TS][NS], s_C[TS][NS];

  dependency_wait();
  const int lane = threadIdx.x % L, c = threadIdx.x / L;
  const int64_t d0 = int64_t(blockIdx.x) * CPB;
  const int64_t d = d0 + c;
  const bool live = d < a.D;
  const int64_t N = a.N;

  float h[SPT], A[SPT];
  load_channel_state<L, SPT>(a.state, a.A, d, N, lane, live, h, A);
  const float dskip = live ? a.Dskip[d] : 0.0f;

  for (int64_t t0 = 0; t0 < a.T; t0 += TS) {
    const int nt = a.T - t0 < TS ? static_cast<int>(a.T - t0) : TS;
    __syncthreads();  // the previous pass is done with the staging arrays
    for (int i = threadIdx.x; i < nt * CPB; i += kBlock) {
      const int tt = i / CPB, cc = i % CPB;
      const int64_t t = t0 + tt, dd = d0 + cc;
      float delta = 0.0f, xv = 0.0f, gate = 0.0f;
      if (dd < a.D) {
        delta = softplus(a.dt[t * a.dt_stride + dd] + a.dt_bias[dd]);
        xv = a.x[t * a.x_stride + dd];
        gate = silu(a.z[t * a.z_stride + dd]);
      }
      s_delta[tt][cc] = delta;
      s_x[tt][cc] = xv;
      s_gate[tt][cc] = gate;
    }
    for (int i = threadIdx.x; i < nt * NS; i += kBlock) {
      const int tt = i / NS, n = i % NS;
      const int64_t t = t0 + tt;
      s_B[tt][n] = n < N ? a.B[t * a.B_stride + n] : 0.0f;
      s_C[tt][n] = n < N ? a.C[t * a.C_stride + n] : 0.0f;
    }
    __syncthreads();

    for (int tt = 0; tt < nt; ++tt) {
      const float delta = s_delta[tt][c], xv = s_x[tt][c];
      const float dx = delta * xv;
      float y = 0.0f;
#pragma unroll
      for (int s = 0; s < SPT; ++s) {
        const int n = lane + s * L;  // padded states have A = B = C = h = 0: they stay 0
        h[s] = fmaf(expf(delta * A[s]), h[s], dx * s_B[tt][n]);
        y = fmaf(h[s], s_C[tt][n], y);
      }
#pragma unroll
      for (int o = L / 2; o > 0; o >>= 1) y += __shfl_xor_sync(0xffffffffu, y, o);
      if (lane == 0) s_y[tt][c] = fmaf(dskip, xv, y) * s_gate[tt][c];
    }
    __syncthreads();
    for (int i = threadIdx.x; i < nt * CPB; i += kBlock) {
      const int tt = i / CPB, cc = i % CPB;
      if (d0 + cc < a.D) a.out[(t0 + tt) * a.out_stride + d0 + cc] = s_y[tt][cc];
    }
  }

  store_channel_state<L, SPT>(a.state, d, N, lane, live, h);
}

template <int L, int SPT>
void launch_ls(const Launch& l, const ScanKernelArgs& a) {
  constexpr int CPB = kBlock / L;
  launch_kernel(l, "selective_scan", scan_kernel<L, SPT>, dim3(blocks_for(a.D, CPB)), kBlock, 0, a);
}

}  // namespace

void selective_scan(const Launch& l, const ScanKernelArgs& a) {
  if (a.T <= 0 || a.D <= 0) return;
  const int64_t N = a.N;
  if (N <= 4) return launch_ls<4, 1>(l, a);
  if (N <= 8) return launch_ls<8, 1>(l, a);
  if (N <= 16) return launch_ls<16, 1>(l, a);
  if (N <= 32) return launch_ls<32, 1>(l, a);
  if (N <= 64) return launch_ls<32, 2>(l, a);
  if (N <= 128) return launch_ls<32, 4>(l, a);
  if (N <= kMaxScanState) return launch_ls<32, 8>(l, a);
  throw_error(cudaErrorInvalidValue, "selective_scan: state size above 256");
}

}  // namespace coil::cuda
