// Conv2DBackpropFilter for the WASM backend, which ships Conv2D and
// Conv2DBackpropInput but not the filter gradient, so no conv net can train on
// it out of the box.
//
// 3×3 layers with stride 1 or 2 (and CI % 4 == 0, CO % 8 == 0): Winograd
// (winogradConv.ts), fewer multiplies; the 5×5 stride-2 first layer the same
// on its space-to-depth image (spaceToDepthConv.ts).
//
// Next (CO a multiple of 8, every chunk encoder layer): our own
// hand-assembled SIMD kernel (filterGradSimd.ts), 1.4–2.7× faster than the
// XNNPACK path below on the chunk encoder's layers (measured, process CPU).
//
// Next: the filter gradient IS a convolution, so we hand it to the
// backend's XNNPACK Conv2D (1.5–3× faster than the matmul path below on the
// chunk encoder's layers, measured): with the batch as input channels and
// the input channels as batch,
//
//   dWᵀ[ci, kh, kw, co] = conv( xᵀ[ci, h, w, b],  filter = dy[oh, ow, b, co],
//                               dilation = stride, stride 1, pad top/left )
//
// This needs non-negative bottom/right padding (always true for 'same'); when
// it is not (some 'valid' convolutions ignore trailing rows) we use the
// general path: one matrix product per block of output pixels, run by the
// backend's SIMD BatchMatMul:
//
//   dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·sh+kh−top, ow·sw+kw−left, ci] · dy[b,oh,ow,co]
//   dWᵀ[co, k]      = dyᵀ[co, r] · cols[r, k]      (r = (b,oh,ow), k = (kh,kw,ci))
//
// Layout matters more than flops here: the backend's BatchMatMul is ~9× slower
// with transposeA/transposeB (measured 456 ms vs 50 ms for 288×73728×32), so
// we write `dyᵀ` and `cols` in the orientation it likes (a cheap JS transpose of
// dy, contiguous `ci`-runs for cols) and transpose only the tiny result.
// Rows are processed in blocks to bound scratch memory: one 96×96 batch of 32
// would otherwise need ~85 MB of cols for a 3×3×32 layer.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, blockRows, convGeometry, floatOffset, forEachFilterRow, heapF32, matMul3, runWasmKernel, tapColumnRanges, tapRowRanges, wasmMemory } from './wasmHeap.ts';
import type { ConvGeometry } from './wasmHeap.ts';
import { gradKernels } from './filterGradSimd.ts';
import { filterGradViaSpaceToDepth, spaceToDepthPlan } from './spaceToDepthConv.ts';
import { filterGradViaWinograd, winogradScheme } from './winogradConv.ts';

/** Scratch budget for one im2col block, in floats (4 MB; larger blocks measured no faster). */
export const SCRATCH_FLOATS = 1024 * 1024;

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function conv2dBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: Attrs }): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  const g = convGeometry(x.shape as [number, number, number, number], attrs.filterShape, attrs, 'Conv2DBackpropFilter');
  const s2d = spaceToDepthPlan(g, 'filter');
  if (s2d != null) return filterGradViaSpaceToDepth(x, dy, g, backend, s2d.gs, s2d.sch);
  const winograd = winogradScheme(g, 'filter');
  if (winograd != null) return filterGradViaWinograd(x, dy, g, backend, winograd);
  return filterGradViaSimd(x, dy, g, backend) ?? filterGradViaConv2D(x, dy, g, backend) ?? filterGradViaMatMul(x, dy, g, backend);
}

/** The hand-written SIMD kernel (filterGradSimd.ts); null when CO is not a multiple of 8 (or the backend's memory is not reachable). */
export function filterGradViaSimd(x: TensorInfo, dy: TensorInfo, g: ConvGeometry, backend: BackendWasm): TensorInfo | null {
  const memory = wasmMemory(backend);
  if (g.CO % 8 !== 0 || memory == null) return null;
  const kernels = gradKernels(memory).filterGradRows;
  const { B, H, W, CI, OH, OW, CO, FH, FW, SH, SW, top, left } = g;
  // Channel blocks of 4, then one partial block of CI % 4 rows with its own kernel.
  const full = Math.floor(CI / 4);
  const rest = CI % 4;
  const out = allocF32(backend, [FH, FW, CI, CO]);
  const heap = heapF32(backend);
  const o = floatOffset(backend, out);
  heap.fill(0, o, o + FH * FW * CI * CO);
  const xB = floatOffset(backend, x) * 4;
  const dyB = floatOffset(backend, dy) * 4;
  const outB = o * 4;
  const coBlocks = CO / 8;
  const { ow0s, ow1s } = tapColumnRanges(g);
  const { oh0s, oh1s } = tapRowRanges(g);
  const [xs, xRow, dys, dyRow] = [SW * CI * 4, SH * W * CI * 4, CO * 4, OW * CO * 4];
  for (let b = 0; b < B; b++) {
    for (let kh = 0; kh < FH; kh++) {
      const oh0 = oh0s[kh];
      const rows = oh1s[kh] - oh0;
      if (rows <= 0) continue;
      const xImageRow = xB + (b * H + oh0 * SH + kh - top) * W * CI * 4;
      const dRow = dyB + (b * OH + oh0) * OW * CO * 4;
      for (let kw = 0; kw < FW; kw++) {
        const ow0 = ow0s[kw];
        const n = ow1s[kw] - ow0;
        if (n <= 0) continue;
        const xp = xImageRow + (ow0 * SW + kw - left) * CI * 4;
        const dp = dRow + ow0 * CO * 4;
        const acc = outB + (kh * FW + kw) * CI * CO * 4;
        if (full > 0) kernels[3](xp, xs, xRow, dp, dys, dyRow, n, rows, acc, CO * 4, full, coBlocks, 1, 0, 0, 0);
        if (rest > 0) kernels[rest - 1](xp + full * 16, xs, xRow, dp, dys, dyRow, n, rows, acc + full * 4 * CO * 4, CO * 4, 1, coBlocks, 1, 0, 0, 0);
      }
    }
  }
  return out;
}

/** The XNNPACK path; null when the geometry needs negative padding. */
export function filterGradViaConv2D(x: TensorInfo, dy: TensorInfo, g: ConvGeometry, backend: BackendWasm): TensorInfo | null {
  const bottom = g.FH - g.H - g.top + (g.OH - 1) * g.SH;
  const right = g.FW - g.W - g.left + (g.OW - 1) * g.SW;
  if (bottom < 0 || right < 0) return null;
  const xT = runWasmKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  const f = runWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const conv = runWasmKernel(backend, 'Conv2D', { x: xT, filter: f }, {
    strides: [1, 1], dilations: [g.SH, g.SW], dataFormat: 'NHWC', dimRoundingMode: undefined,
    pad: [[0, 0], [g.top, bottom], [g.left, right], [0, 0]],
  });
  const out = runWasmKernel(backend, 'Transpose', { x: conv }, { perm: [1, 2, 0, 3] });
  backend.disposeData(xT.dataId);
  backend.disposeData(f.dataId);
  backend.disposeData(conv.dataId);
  return out;
}

/** The general path: blocked im2col + BatchMatMul. */
export function filterGradViaMatMul(x: TensorInfo, dy: TensorInfo, g: ConvGeometry, backend: BackendWasm, scratchFloats = SCRATCH_FLOATS): TensorInfo {
  const K = g.FH * g.FW * g.CI;
  const rows = g.B * g.OH * g.OW;
  const step = blockRows(rows, K, scratchFloats);
  const out = allocF32(backend, [g.FH, g.FW, g.CI, g.CO]);
  for (let r0 = 0; r0 < rows; r0 += step) {
    const R = Math.min(step, rows - r0);
    const dyT = allocF32(backend, [1, g.CO, R]);
    const cols = allocF32(backend, [1, R, K]);
    const heap = heapF32(backend);
    transposeRows(heap, floatOffset(backend, dy) + r0 * g.CO, R, g.CO, floatOffset(backend, dyT));
    im2col(heap, g, floatOffset(backend, x), r0, R, floatOffset(backend, cols));
    const prod = matMul3(backend, dyT, cols); // [1, CO, K]
    const after = heapF32(backend);
    const p = floatOffset(backend, prod);
    const o = floatOffset(backend, out);
    // out[k, co] (+)= prod[co, k]
    for (let co = 0; co < g.CO; co++) {
      const src = p + co * K;
      if (r0 === 0) for (let k = 0; k < K; k++) after[o + k * g.CO + co] = after[src + k];
      else for (let k = 0; k < K; k++) after[o + k * g.CO + co] += after[src + k];
    }
    backend.disposeData(prod.dataId);
    backend.disposeData(cols.dataId);
    backend.disposeData(dyT.dataId);
  }
  return out;
}

/**
 * dst[c, r] = src[r, c] for an [R, C] row-major block, in tiles of 64 rows so
 * reads stay in cache (3–5× faster than the naive loop, measured).
 */
function transposeRows(heap: Float32Array, src: number, R: number, C: number, dst: number): void {
  const TILE = 64;
  for (let r0 = 0; r0 < R; r0 += TILE) {
    const r1 = Math.min(R, r0 + TILE);
    for (let c = 0; c < C; c++) {
      const d = dst + c * R;
      for (let r = r0; r < r1; r++) heap[d + r] = heap[src + r * C + c];
    }
  }
}

/** Writes rows [r0, r0+R) of the [rows, FH·FW·CI] im2col matrix at `dst`. */
export function im2col(heap: Float32Array, g: ConvGeometry, xOff: number, r0: number, R: number, dst: number): void {
  // Zero first, then copy the in-image runs: padding taps are simply skipped.
  heap.fill(0, dst, dst + R * g.FH * g.FW * g.CI);
  const CI = g.CI;
  forEachFilterRow(g, r0, R, (col, xi, kw0, kw1) => {
    const n = (kw1 - kw0) * CI;
    const d = dst + col;
    const s = xOff + xi;
    if (n < 64) for (let i = 0; i < n; i++) heap[d + i] = heap[s + i];
    else heap.copyWithin(d, s, s + n);
  });
}

export const conv2dBackpropFilterWasm: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
};
