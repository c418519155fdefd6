// A training conv layer's forward and the start of its backward pass as wasm
// kernels (the op and its gradient: policies/chunk/convBiasReluOp.ts).
//
//   ConvBiasRelu  {x [B,H,W,CI], filter, bias [CO]}, Conv2D attrs → y = relu(conv(x, filter) + bias)
//   ReluBiasGrad  {dy, y [..., C]}                                 → [dz = dy·(y > 0), db = Σ_rows dz  [C]]
//
// Under a gradient tape tfjs-core unfuses conv + bias + relu into Conv2D, Add
// and Relu, and Relu's gradient is Step + Cast + Multiply: five kernels and
// four full passes over the activation beyond the convolution. Here the
// forward is our Conv2D kernel (conv2dWasm.ts): on its Winograd paths the
// output transform adds the bias and takes the relu before it stores y
// (winogradSimd.ts biasRelu), elsewhere one in-place SIMD pass follows; the
// backward is one SIMD pass that also sums the bias gradient (the Sum the
// Add's gradient ran). Needs C % 4 == 0; the op uses tfjs ops otherwise.
import { util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dBiasRelu } from './conv2dWasm.ts';
import { CONV_BIAS_RELU, RELU_BIAS_GRAD } from './kernelNames.ts';
import { add, countdown, f32x4Add, f32x4Const, f32x4Pmax, get, I32, i32c, section, set, simdOp, str, uleb, V128, v128Load, v128Store, vec } from './wasmAsm.ts';
import { allocF32, floatOffset, wasmMemory } from './wasmHeap.ts';

const f32x4Gt = simdOp(0x44);
const v128And = simdOp(0x4e);

// biasRelu(y, bias, rows, vecs): y[r][v] = max(y[r][v] + bias[v], 0), in place.
const F = { y: 0, bias: 1, rows: 2, vecs: 3, r: 4, v: 5, pb: 6 };
// reluBiasGrad(dy, y, dz, db, rows, vecs): dz = dy where y > 0 else 0; db[v] += dz[r][v] (db zeroed by the caller).
const G = { dy: 0, y: 1, dz: 2, db: 3, rows: 4, vecs: 5, r: 6, v: 7, pb: 8 };

const bump = (local: number, bytes: number): number[] => [...get(local), ...i32c(bytes), ...add, ...set(local)];

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fwdStep = [
    ...get(F.y), ...get(F.y), ...v128Load(0), ...get(F.pb), ...v128Load(0), ...f32x4Add, ...f32x4Const(0), ...f32x4Pmax, ...v128Store(0),
    ...bump(F.y, 16), ...bump(F.pb, 16),
  ];
  const fwd = countdown(F.r, get(F.rows), [...get(F.bias), ...set(F.pb), ...countdown(F.v, get(F.vecs), fwdStep)]);
  const D = 9; // v128 local: dz vector
  const gradStep = [
    ...get(G.dy), ...v128Load(0), ...get(G.y), ...v128Load(0), ...f32x4Const(0), ...f32x4Gt, ...v128And, ...set(D),
    ...get(G.dz), ...get(D), ...v128Store(0),
    ...get(G.pb), ...get(G.pb), ...v128Load(0), ...get(D), ...f32x4Add, ...v128Store(0),
    ...bump(G.dy, 16), ...bump(G.y, 16), ...bump(G.dz, 16), ...bump(G.pb, 16),
  ];
  const grad = countdown(G.r, get(G.rows), [...get(G.db), ...set(G.pb), ...countdown(G.v, get(G.vecs), gradStep)]);
  const type = section(1, vec([
    [0x60, ...vec(Array.from({ length: 4 }, () => [I32])), ...vec([])],
    [0x60, ...vec(Array.from({ length: 6 }, () => [I32])), ...vec([])],
  ]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0), uleb(1)]));
  const exports = section(7, vec([[...str('biasRelu'), 0x00, ...uleb(0)], [...str('reluBiasGrad'), 0x00, ...uleb(1)]]));
  const fwdBytes = [...vec([[...uleb(3), I32]]), ...fwd, 0x0b];
  const gradBytes = [...vec([[...uleb(3), I32], [...uleb(1), V128]]), ...grad, 0x0b];
  const code = section(10, vec([[...uleb(fwdBytes.length), ...fwdBytes], [...uleb(gradBytes.length), ...gradBytes]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

interface Kernels {
  biasRelu(y: number, bias: number, rows: number, vecs: number): void;
  reluBiasGrad(dy: number, y: number, dz: number, db: number, rows: number, vecs: number): void;
}
const instances = new WeakMap<WebAssembly.Memory, Kernels>();
let compiled: WebAssembly.Module | null = null;

function kernels(backend: BackendWasm, kernelName: string): Kernels {
  const memory = wasmMemory(backend);
  if (memory == null) throw new Error(`${kernelName} (wasm): expected the backend to export its WebAssembly.Memory, found none`);
  let k = instances.get(memory);
  if (k == null) {
    compiled ??= new WebAssembly.Module(moduleBytes());
    k = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as Kernels;
    instances.set(memory, k);
  }
  return k;
}

/**
 * The relu/bias gradient pass for other kernels (conv2dGradsWasm.ts runs it chunk by chunk):
 * reluBiasGrad(dy, y, dz, db, rows, vecs), byte addresses, db added to (zero it first).
 */
export function reluBiasGradPass(backend: BackendWasm): (dy: number, y: number, dz: number, db: number, rows: number, vecs: number) => void {
  return kernels(backend, RELU_BIAS_GRAD).reluBiasGrad;
}

function channels(t: TensorInfo, kernelName: string): number {
  const c = t.shape[t.shape.length - 1];
  if (t.shape.length < 2 || c % 4 !== 0 || t.dtype !== 'float32') throw new Error(`${kernelName} (wasm): expected float32 [..., C] with C % 4 == 0, found ${t.dtype} [${t.shape}]`);
  return c;
}

/** Benchmarks flip this for A/B (profileStep BIAS_RELU_IN_TRANSFORM=0: always the separate pass over y). */
export const biasReluSettings = { inTransform: true };
/** How many ConvBiasRelu calls ended in the output transform and how many in the separate pass (tests check the path taken). */
export const biasReluCounts = { inTransform: 0, separate: 0 };

function convBiasRelu(args: { inputs: { x: TensorInfo; filter: TensorInfo; bias: TensorInfo }; backend: BackendWasm; attrs: Record<string, unknown> }): TensorInfo {
  const { inputs: { x, filter, bias }, backend, attrs } = args;
  const co = filter.shape[3];
  if (bias.shape.length !== 1 || bias.shape[0] !== co || co % 4 !== 0 || bias.dtype !== 'float32') throw new Error(`${CONV_BIAS_RELU} (wasm): expected float32 bias [${co}] with ${co} % 4 == 0, found ${bias.dtype} [${bias.shape}]`);
  // Under a tape (the op's keepPaddedInput) the padded input / space-to-depth image is kept for the filter gradient.
  // On the Winograd paths the output transform adds the bias and takes the relu itself (fused).
  const convArgs = { inputs: { x, filter }, backend, attrs: attrs as never };
  const { y, fused } = conv2dBiasRelu(convArgs, bias, attrs.keepPaddedInput === true, biasReluSettings.inTransform);
  const c = channels(y, CONV_BIAS_RELU);
  const rows = util.sizeFromShape(y.shape) / c;
  if (fused) biasReluCounts.inTransform++;
  else biasReluCounts.separate++;
  if (!fused && rows > 0) kernels(backend, CONV_BIAS_RELU).biasRelu(floatOffset(backend, y) * 4, floatOffset(backend, bias) * 4, rows, c / 4);
  return y;
}

function reluBiasGrad(args: { inputs: { dy: TensorInfo; y: TensorInfo }; backend: BackendWasm }): TensorInfo[] {
  const { inputs: { dy, y }, backend } = args;
  const c = channels(y, RELU_BIAS_GRAD);
  if (!util.arraysEqual(dy.shape, y.shape)) throw new Error(`${RELU_BIAS_GRAD} (wasm): expected dy of y's shape [${y.shape}], found [${dy.shape}]`);
  const dz = allocF32(backend, y.shape);
  const db = allocF32(backend, [c]);
  const dbAt = floatOffset(backend, db);
  new Float32Array(wasmMemory(backend)!.buffer, dbAt * 4, c).fill(0);
  const rows = util.sizeFromShape(y.shape) / c;
  if (rows > 0) kernels(backend, RELU_BIAS_GRAD).reluBiasGrad(floatOffset(backend, dy) * 4, floatOffset(backend, y) * 4, floatOffset(backend, dz) * 4, dbAt * 4, rows, c / 4);
  return [dz, db];
}

export const convBiasReluWasm: KernelConfig = {
  kernelName: CONV_BIAS_RELU,
  backendName: 'wasm',
  kernelFunc: convBiasRelu as unknown as KernelFunc,
};

export const reluBiasGradWasm: KernelConfig = {
  kernelName: RELU_BIAS_GRAD,
  backendName: 'wasm',
  kernelFunc: reluBiasGrad as unknown as KernelFunc,
};
