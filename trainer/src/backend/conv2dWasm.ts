// Conv2D for the WASM backend, in front of the backend's own (XNNPACK) kernel:
// NHWC, dilation 1 and CO % 8 == 0 (every chunk encoder layer, and the
// stride-1 input gradients run as convolutions) go to our SIMD kernel
// (convSimd.ts), 3×3 layers with stride 1 or 2 to its Winograd form
// (winogradConv.ts), the 5×5 stride-2 first layer to Winograd on its
// space-to-depth image (spaceToDepthConv.ts); anything else to the stock kernel.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { CONV_CO_BLOCK, convKernel } from './convSimd.ts';
import { allocF32, convGeometry, floatOffset, heapF32, wasmMemory } from './wasmHeap.ts';
import { conv2dViaSpaceToDepth, spaceToDepthPlan } from './spaceToDepthConv.ts';
import { conv2dViaWinograd, winogradScheme } from './winogradConv.ts';
import type { ConvGeometry } from './wasmHeap.ts';

interface Attrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
type Args = { inputs: { x: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: Attrs };

/** Output pixels per register block of the interior kernel. */
const P = 3;

let stock: KernelConfig | null = null;
const setUp = new WeakSet<object>();

export function setStockConv2D(config: KernelConfig): void {
  stock = config;
}

function stockConv2D(args: Args): TensorInfo {
  if (stock == null) throw new Error("Conv2D (wasm): expected the backend's own Conv2D to be captured at registration, found none; call registerWasmTrainingKernels()");
  if (!setUp.has(args.backend)) {
    stock.setupFunc?.(args.backend);
    setUp.add(args.backend);
  }
  return (stock.kernelFunc as KernelFunc)(args as never) as TensorInfo;
}

/**
 * conv + bias + relu for the ConvBiasRelu kernel: on the Winograd paths (with
 * `fuse`) the output transform adds the bias and takes the relu (`fused`: y
 * is the result); elsewhere y is the plain convolution and the caller
 * finishes it. `keepPadded` (a training forward): padded inputs and
 * space-to-depth images are kept for the filter gradient (paddedInputCache.ts).
 */
export function conv2dBiasRelu(args: Args, bias: TensorInfo, keepPadded: boolean, fuse = true): { y: TensorInfo; fused: boolean } {
  const fused = { done: false };
  const y = conv2d(args, keepPadded, fuse ? { bias, fused } : undefined);
  return { y, fused: fused.done };
}

function conv2d(args: Args, keepPadded = false, epilogue?: { bias: TensorInfo; fused: { done: boolean } }): TensorInfo {
  const { inputs: { x, filter }, backend, attrs } = args;
  const dilations = typeof attrs.dilations === 'number' ? [attrs.dilations, attrs.dilations] : attrs.dilations ?? [1, 1];
  const co = filter.shape[3];
  if (attrs.dataFormat !== 'NHWC' || dilations[0] !== 1 || dilations[1] !== 1 || co % CONV_CO_BLOCK !== 0 || x.dtype !== 'float32' || wasmMemory(backend) == null) {
    return stockConv2D(args);
  }
  const g = convGeometry(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs, 'Conv2D');
  const s2d = spaceToDepthPlan(g, 'forward');
  // Keep only what the filter gradient would use (its own plan takes the same path).
  const winograd = s2d == null ? winogradScheme(g, 'forward') : null;
  if (s2d == null && winograd == null) return conv2dViaSimd(x, filter, g, backend);
  // Both Winograd paths can end in bias + relu (their output transform).
  if (epilogue != null) epilogue.fused.done = true;
  const bias = epilogue?.bias;
  if (s2d != null) return conv2dViaSpaceToDepth(x, filter, g, backend, s2d.gs, s2d.sch, keepPadded && spaceToDepthPlan(g, 'filter') != null, bias);
  return conv2dViaWinograd(x, filter, g, backend, winograd!, keepPadded && winogradScheme(g, 'filter') != null, bias);
}

/** W [FH, FW, CI, CO] → [CO/8][FH][FW][CI][8] on the heap (dispose it). */
function packFilter(backend: BackendWasm, filter: TensorInfo, g: ConvGeometry): TensorInfo {
  const { FH, FW, CI, CO } = g;
  const packed = allocF32(backend, [FH * FW * CI * CO]);
  const heap = heapF32(backend);
  const src = floatOffset(backend, filter);
  let d = floatOffset(backend, packed);
  const K = FH * FW * CI;
  for (let cob = 0; cob < CO; cob += CONV_CO_BLOCK) {
    for (let k = 0; k < K; k++) {
      const s = src + k * CO + cob;
      for (let j = 0; j < CONV_CO_BLOCK; j++) heap[d++] = heap[s + j];
    }
  }
  return packed;
}

export function conv2dViaSimd(x: TensorInfo, filter: TensorInfo, g: ConvGeometry, backend: BackendWasm): TensorInfo {
  const memory = wasmMemory(backend)!;
  const { B, H, W, CI, OH, OW, CO, FH, FW, SH, SW, top, left } = g;
  const y = allocF32(backend, [B, OH, OW, CO]);
  const packed = packFilter(backend, filter, g);
  const heap = heapF32(backend);
  const xB = floatOffset(backend, x) * 4;
  const yF = floatOffset(backend, y);
  const yB = yF * 4;
  const wB = floatOffset(backend, packed) * 4;
  const xPixel = SW * CI * 4;
  const yPixel = CO * 4;
  const block = convKernel(memory, P, xPixel, yPixel);
  const single = convKernel(memory, 1, xPixel, yPixel);
  const xKh = W * CI * 4;
  const wKh = FW * CI * CONV_CO_BLOCK * 4;
  const wCob = FH * wKh;
  const coBlocks = CO / CONV_CO_BLOCK;
  // Interior columns: every filter column inside the image.
  const in0 = Math.min(OW, Math.ceil(left / SW));
  const in1 = Math.max(in0, Math.min(OW, Math.floor((W - FW + left) / SW) + 1));
  const groups = Math.floor((in1 - in0) / P);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih = oh * SH - top;
      const kh0 = Math.max(0, -ih);
      const kh1 = Math.min(FH, H - ih);
      const yRow = yB + (b * OH + oh) * OW * yPixel;
      if (kh1 <= kh0) {
        heap.fill(0, yF + (b * OH + oh) * OW * CO, yF + (b * OH + oh + 1) * OW * CO);
        continue;
      }
      const xRow = xB + (b * H + ih + kh0) * xKh;
      const wRow = wB + kh0 * wKh;
      const nKh = kh1 - kh0;
      const iw0 = in0 * SW - left;
      if (groups > 0) block(xRow + iw0 * CI * 4, xKh, wRow, wKh, wCob, yRow + in0 * yPixel, groups, nKh, FW * CI, coBlocks, 1, 0, 0, 0);
      const rest = in1 - in0 - groups * P;
      if (rest > 0) single(xRow + (iw0 + groups * P * SW) * CI * 4, xKh, wRow, wKh, wCob, yRow + (in0 + groups * P) * yPixel, rest, nKh, FW * CI, coBlocks, 1, 0, 0, 0);
      for (let ow = 0; ow < OW; ow++) {
        if (ow === in0) ow = in1;
        if (ow >= OW) break;
        const iw = ow * SW - left;
        const kw0 = Math.max(0, -iw);
        const kw1 = Math.min(FW, W - iw);
        if (kw1 <= kw0) {
          heap.fill(0, yF + ((b * OH + oh) * OW + ow) * CO, yF + ((b * OH + oh) * OW + ow + 1) * CO);
          continue;
        }
        single(xRow + (iw + kw0) * CI * 4, xKh, wRow + kw0 * CI * CONV_CO_BLOCK * 4, wKh, wCob, yRow + ow * yPixel, 1, nKh, (kw1 - kw0) * CI, coBlocks, 1, 0, 0, 0);
      }
    }
  }
  backend.disposeData(packed.dataId);
  return y;
}

export const conv2dWasm: KernelConfig = {
  kernelName: 'Conv2D',
  backendName: 'wasm',
  kernelFunc: ((args: Args) => conv2d(args)) as unknown as KernelFunc,
};
