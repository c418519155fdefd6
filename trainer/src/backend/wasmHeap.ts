// Low-level helpers for kernels that work directly on the WASM backend's heap.
// The backend keeps every tensor in one linear memory; a TensorInfo's data
// lives at `dataIdMap.get(dataId).memoryOffset`. These helpers hide the casts
// to the backend's private fields in one place.
import { backend_util, getKernel } from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface WasmInternals {
  wasm: { HEAPU8: Uint8Array; asm: { memory: WebAssembly.Memory } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
}

/**
 * A Float32 view of the whole heap. Take a fresh one after any allocation or
 * kernel call: growing the memory detaches older views.
 */
const heapViews = new WeakMap<BackendWasm, Float32Array>();
export function heapF32(backend: BackendWasm): Float32Array {
  const buffer = (backend as unknown as WasmInternals).wasm.HEAPU8.buffer;
  let view = heapViews.get(backend);
  // A new view only when the memory grew (a new buffer): making one per call was ~0.1 ms per chunk step.
  if (view?.buffer !== buffer) heapViews.set(backend, (view = new Float32Array(buffer)));
  return view;
}

/** The backend's WebAssembly.Memory, for our own kernels to import (filterGradSimd.ts); null if this build does not export it. */
export function wasmMemory(backend: BackendWasm): WebAssembly.Memory | null {
  const memory = (backend as unknown as WasmInternals).wasm.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** Index (in floats) of a tensor's first element in the heap. */
export function floatOffset(backend: BackendWasm, t: TensorInfo): number {
  return (backend as unknown as WasmInternals).dataIdMap.get(t.dataId).memoryOffset >> 2;
}

/** Allocates an uninitialised float32 tensor on the heap. */
export function allocF32(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/** Runs one of the backend's own kernels on TensorInfos (no engine bookkeeping; dispose the result). */
export function runWasmKernel(backend: BackendWasm, name: string, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (kernel == null) throw new Error(`wasm kernels: expected the ${name} kernel to be registered for wasm, found none; import @tensorflow/tfjs-backend-wasm first`);
  return (kernel.kernelFunc as KernelFunc)({ inputs, backend, attrs: attrs as never }) as TensorInfo;
}

/** `a · b` for rank-3 [1,m,k]·[1,k,n] through the backend's own SIMD BatchMatMul. */
export function matMul3(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  const kernel = getKernel('BatchMatMul', 'wasm');
  if (kernel == null) throw new Error('wasm kernels: expected the BatchMatMul kernel to be registered for wasm, found none; import @tensorflow/tfjs-backend-wasm first');
  return (kernel.kernelFunc as KernelFunc)({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
}

/** Shape facts of a 2-D convolution, channels-last, dilation 1. */
export interface ConvGeometry {
  B: number; H: number; W: number; CI: number;
  OH: number; OW: number; CO: number;
  FH: number; FW: number; SH: number; SW: number;
  top: number; left: number;
}

export function convGeometry(
  xShape: [number, number, number, number], filterShape: [number, number, number, number],
  attrs: { strides: [number, number] | number; pad: 'valid' | 'same' | number | backend_util.ExplicitPadding; dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil' },
  kernelName: string,
): ConvGeometry {
  if (attrs.dataFormat !== 'NHWC') {
    throw new Error(`${kernelName} (wasm): expected dataFormat NHWC, found ${attrs.dataFormat}; build the model channels-last`);
  }
  const c = backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  return {
    B: c.batchSize, H: c.inHeight, W: c.inWidth, CI: c.inChannels, OH: c.outHeight, OW: c.outWidth, CO: c.outChannels,
    FH: c.filterHeight, FW: c.filterWidth, SH: c.strideHeight, SW: c.strideWidth, top: c.padInfo.top, left: c.padInfo.left,
  };
}

/** Per filter tap kw, the output columns [ow0s[kw], ow1s[kw]) whose input column (ow·SW + kw − left) is inside the image. */
export function tapColumnRanges(g: ConvGeometry): { ow0s: Int32Array; ow1s: Int32Array } {
  const { W, OW, FW, SW, left } = g;
  const ow0s = new Int32Array(FW);
  const ow1s = new Int32Array(FW);
  for (let kw = 0; kw < FW; kw++) {
    ow0s[kw] = Math.max(0, Math.ceil((left - kw) / SW));
    ow1s[kw] = Math.min(OW, Math.floor((W - 1 + left - kw) / SW) + 1);
  }
  return { ow0s, ow1s };
}

/** Per filter tap kh, the output rows [oh0s[kh], oh1s[kh]) whose input row (oh·SH + kh − top) is inside the image. */
export function tapRowRanges(g: ConvGeometry): { oh0s: Int32Array; oh1s: Int32Array } {
  const { H, OH, FH, SH, top } = g;
  const oh0s = new Int32Array(FH);
  const oh1s = new Int32Array(FH);
  for (let kh = 0; kh < FH; kh++) {
    oh0s[kh] = Math.max(0, Math.ceil((top - kh) / SH));
    oh1s[kh] = Math.min(OH, Math.floor((H - 1 + top - kh) / SH) + 1);
  }
  return { oh0s, oh1s };
}

/**
 * Visits the im2col layout of rows [r0, r0+R) one filter row at a time: for
 * every output pixel r = (b,oh,ow) and filter row kh, calls
 * `fn(col, x, kw0, kw1)` where `col` is the float index (relative, row-major
 * [R, FH·FW·CI]) of the (kh, kw0) tap and `x` the absolute NHWC index of the
 * input pixel under it; taps kw ∈ [kw0, kw1) are inside the image and their
 * inputs are contiguous (stride 1 in x). Taps outside [kw0, kw1), and whole
 * rows outside the image, are padding and are not visited. Batching a filter
 * row into one call matters: the first layer has 3 channels, so per-tap calls
 * spent more time in the call than in the copy.
 */
export function forEachFilterRow(g: ConvGeometry, r0: number, R: number, fn: (col: number, x: number, kw0: number, kw1: number) => void): void {
  const { H, W, CI, OH, OW, FH, FW, SH, SW, top, left } = g;
  const rowLen = FW * CI;
  let col = 0;
  for (let r = r0; r < r0 + R; r++) {
    const ow = r % OW;
    const t = (r - ow) / OW;
    const oh = t % OH;
    const b = (t - oh) / OH;
    const iw0 = ow * SW - left;
    const kw0 = Math.max(0, -iw0);
    const kw1 = Math.min(FW, W - iw0);
    for (let kh = 0; kh < FH; kh++) {
      const ih = oh * SH + kh - top;
      if (ih >= 0 && ih < H && kw1 > kw0) fn(col + kw0 * CI, ((b * H + ih) * W + iw0 + kw0) * CI, kw0, kw1);
      col += rowLen;
    }
  }
}

/** Rows per block so one [rows, K] scratch matrix stays under `budgetFloats`. */
export function blockRows(rows: number, K: number, budgetFloats: number): number {
  return Math.max(1, Math.min(rows, Math.floor(budgetFloats / K)));
}

/**
 * A lazy filler of a batch of images stored row after row (`rowsPerImage` rows
 * each): `fillTo(end)` makes global rows [0, end) ready by calling
 * `fillRows(b, r0, r1)` for the not yet filled rows [r0, r1) of each image b
 * in turn; rows already filled are never filled again. The padded inputs of
 * the Winograd and space-to-depth convolutions are filled this way, chunk by
 * chunk as the transforms reach them, instead of all up front.
 */
export function lazyRowFill(rowsPerImage: number, fillRows: (b: number, r0: number, r1: number) => void): (end: number) => void {
  let filled = 0;
  return (end: number): void => {
    for (let f = filled; f < end;) {
      const b = Math.floor(f / rowsPerImage);
      const r0 = f - b * rowsPerImage;
      const r1 = Math.min(rowsPerImage, r0 + end - f);
      fillRows(b, r0, r1);
      f += r1 - r0;
    }
    filled = Math.max(filled, end);
  };
}
