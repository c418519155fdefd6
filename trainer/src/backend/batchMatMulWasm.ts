// BatchMatMul for the WASM backend, in front of the backend's own kernel. Its
// XNNPACK (SIMD) path only runs for plain a·b with batch 1; with transposeA or
// transposeB (every dense layer's gradients: dX = dY·Wᵀ, dW = Xᵀ·dY) it falls
// back to a scalar triple loop, 10–20× slower (measured: 0.9 ms vs ~0.1 ms for
// [32,256]·[256,256]ᵀ; that loop was half of an mlp training step). So we
// transpose the operand first (the backend's Transpose kernel, one cheap pass)
// and hand the plain product to the stock kernel. Same products, same sums:
// only the memory order of the operand changes.

//
// Plain products with N % 8 == 0 (after those transposes) run on our forward
// conv kernel as a 1×1 convolution (convSimd.ts; see matMulViaSimd).
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { CONV_CO_BLOCK, convKernel } from './convSimd.ts';
import { countdown, get, I32, i32c, add, section, set, str, uleb, v128Load, v128Store, vec } from './wasmAsm.ts';
import { allocF32, floatOffset, heapF32, runWasmKernel, wasmMemory } from './wasmHeap.ts';

/** Benchmarks flip this for A/B (profileStep SIMD_MATMUL=0). */
export const matMulSettings = { simd: true };

// pack(src, dst, K, nBlocks, rowBytes): b [K][N] → [N/8][K][8], 2 vectors per (block, k).
const K_ = { src: 0, dst: 1, k: 2, nb: 3, row: 4, i: 5, j: 6, ps: 7 };
function packModule(): Uint8Array<ArrayBuffer> {
  const step = [
    ...get(K_.dst), ...get(K_.ps), ...v128Load(0), ...v128Store(0),
    ...get(K_.dst), ...get(K_.ps), ...v128Load(16), ...v128Store(16),
    ...get(K_.dst), ...i32c(32), ...add, ...set(K_.dst), ...get(K_.ps), ...get(K_.row), ...add, ...set(K_.ps),
  ];
  const block = [...get(K_.src), ...set(K_.ps), ...countdown(K_.j, get(K_.k), step), ...get(K_.src), ...i32c(32), ...add, ...set(K_.src)];
  const type = section(1, vec([[0x60, ...vec(Array.from({ length: 5 }, () => [I32])), ...vec([])]]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str('pack'), 0x00, ...uleb(0)]]));
  const body = [...vec([[...uleb(3), I32]]), ...countdown(K_.i, get(K_.nb), block), 0x0b];
  const code = section(10, vec([[...uleb(body.length), ...body]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}
type Pack = (src: number, dst: number, K: number, nBlocks: number, rowBytes: number) => void;
let packCompiled: WebAssembly.Module | null = null;
const packInstances = new WeakMap<WebAssembly.Memory, Pack>();
function packKernel(memory: WebAssembly.Memory): Pack {
  let k = packInstances.get(memory);
  if (k == null) {
    packCompiled ??= new WebAssembly.Module(packModule());
    k = new WebAssembly.Instance(packCompiled, { env: { memory } }).exports.pack as Pack;
    packInstances.set(memory, k);
  }
  return k;
}

/**
 * out[M, N] = a[M, K] · b[K, N] (both row-major) on our conv kernel as a 1×1
 * convolution: b packed to [⌈N/8⌉][K][8] (one SIMD pass; a last partial block
 * zero-padded in JS), then 3 rows × 8 columns per register block. XNNPACK's
 * fully-connected path packs b on every call too, and ran the chunk head's
 * M = 32 products at ~15 GFLOP/s (measured). With `epilogue`, out + bias
 * (and relu) for _FusedMatMul (fusedMatMulWasm.ts); when N % 8 != 0 the
 * product goes to an [M, ⌈N/8⌉·8] scratch first and is compacted.
 */
export function matMulViaSimd(backend: BackendWasm, a: TensorInfo, b: TensorInfo, M: number, K: number, N: number, epilogue: { bias: TensorInfo | null; relu: boolean } | null = null): TensorInfo {
  const memory = wasmMemory(backend)!;
  const full = Math.floor(N / CONV_CO_BLOCK);
  const NP = Math.ceil(N / CONV_CO_BLOCK) * CONV_CO_BLOCK;
  const packed = allocF32(backend, [K * NP]);
  const out = allocF32(backend, [M, N]);
  const target = NP === N ? out : allocF32(backend, [M, NP]);
  const [aB, bB, pB, tB] = [a, b, packed, target].map((t) => floatOffset(backend, t) * 4);
  if (full > 0) packKernel(memory)(bB, pB, K, full, N * 4);
  if (NP > N) {
    const heap = heapF32(backend);
    const rest = N - full * CONV_CO_BLOCK;
    const src = bB / 4 + full * CONV_CO_BLOCK;
    let d = pB / 4 + full * K * CONV_CO_BLOCK;
    for (let k = 0; k < K; k++, d += CONV_CO_BLOCK) {
      for (let j = 0; j < CONV_CO_BLOCK; j++) heap[d + j] = j < rest ? heap[src + k * N + j] : 0;
    }
  }
  const groups = Math.floor(M / 3);
  if (groups > 0) convKernel(memory, 3, K * 4, NP * 4)(aB, 0, pB, 0, K * 32, tB, groups, 1, K, NP / CONV_CO_BLOCK, 1, 0, 0, 0);
  const rest = M - groups * 3;
  if (rest > 0) convKernel(memory, 1, K * 4, NP * 4)(aB + groups * 3 * K * 4, 0, pB, 0, K * 32, tB + groups * 3 * NP * 4, rest, 1, K, NP / CONV_CO_BLOCK, 1, 0, 0, 0);
  backend.disposeData(packed.dataId);
  if (target !== out || epilogue != null) {
    const heap = heapF32(backend);
    const t = tB / 4;
    const o = floatOffset(backend, out);
    const bias = epilogue?.bias != null ? floatOffset(backend, epilogue.bias) : -1;
    const relu = epilogue?.relu === true;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let v = heap[t + m * NP + n];
        if (bias >= 0) v += heap[bias + n];
        heap[o + m * N + n] = relu && v < 0 ? 0 : v;
      }
    }
    if (target !== out) backend.disposeData(target.dataId);
  }
  return out;
}

interface Attrs { transposeA: boolean; transposeB: boolean }
type Args = { inputs: { a: TensorInfo; b: TensorInfo }; backend: BackendWasm; attrs: Attrs };

/** The backend's own BatchMatMul, captured when ours is registered. */
let stock: KernelConfig | null = null;
/** Backends whose stock kernel binding (setupFunc) has run: it was unregistered before the backend started. */
const setUp = new WeakSet<object>();

export function setStockBatchMatMul(config: KernelConfig): void {
  stock = config;
}

function stockMatMul(args: Args): TensorInfo {
  const { inputs: { a, b }, backend, attrs } = args;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const N = b.shape[rb - 1];
  if (matMulSettings.simd && !attrs.transposeA && !attrs.transposeB && N % CONV_CO_BLOCK === 0 && a.dtype === 'float32' && b.dtype === 'float32'
    && a.shape.slice(0, -2).every((d) => d === 1) && b.shape.slice(0, -2).every((d) => d === 1) && wasmMemory(backend) != null) {
    const out = matMulViaSimd(backend, a, b, a.shape[ra - 2], a.shape[ra - 1], N);
    out.shape = [...(ra >= rb ? a.shape : b.shape).slice(0, -2), a.shape[ra - 2], N];
    return out;
  }
  if (stock == null) throw new Error("BatchMatMul (wasm): expected the backend's own BatchMatMul to be captured at registration, found none; call registerWasmTrainingKernels()");
  if (!setUp.has(args.backend)) {
    stock.setupFunc?.(args.backend);
    setUp.add(args.backend);
  }
  return (stock.kernelFunc as KernelFunc)(args as never) as TensorInfo;
}

export function transposeLast2(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const r = x.shape.length;
  const perm = [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
  return runWasmKernel(backend, 'Transpose', { x }, { perm });
}

function batchMatMul(args: Args): TensorInfo {
  const { inputs: { a, b }, backend, attrs: { transposeA, transposeB } } = args;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const batched = a.shape.slice(0, -2).some((d) => d !== 1) || b.shape.slice(0, -2).some((d) => d !== 1);
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  // Floats copied (transposes) or packed (XNNPACK packs its right operand as
  // "weights" on every call where that tensor is new, which for training is
  // every call) in each orientation: a·b directly, or (bᵀ·aᵀ)ᵀ.
  const direct = (transposeA ? M * K : 0) + (transposeB ? K * N : 0) + K * N;
  const swapped = (transposeB ? 0 : K * N) + (transposeA ? 0 : M * K) + K * M + M * N;
  if (batched || direct <= swapped) {
    if (!transposeA && !transposeB) return stockMatMul(args);
    const aa = transposeA ? transposeLast2(backend, a) : a;
    const bb = transposeB ? transposeLast2(backend, b) : b;
    const out = stockMatMul({ inputs: { a: aa, b: bb }, backend, attrs: { transposeA: false, transposeB: false } });
    if (aa !== a) backend.disposeData(aa.dataId);
    if (bb !== b) backend.disposeData(bb.dataId);
    return out;
  }
  // outᵀ[N, M] = bᵀ[N, K] · aᵀ[K, M]: a stored transposed, or b stored transposed, is used as is.
  const bT = transposeB ? reshape2(b, [N, K]) : transposeLast2(backend, b);
  const aT = transposeA ? reshape2(a, [K, M]) : transposeLast2(backend, a);
  const outT = stockMatMul({ inputs: { a: reshape2(bT, [N, K]), b: reshape2(aT, [K, M]) }, backend, attrs: { transposeA: false, transposeB: false } });
  if (!transposeB) backend.disposeData(bT.dataId);
  if (!transposeA) backend.disposeData(aT.dataId);
  const out = runWasmKernel(backend, 'Transpose', { x: reshape2(outT, [N, M]) }, { perm: [1, 0] });
  backend.disposeData(outT.dataId);
  out.shape = [...(ra >= rb ? a.shape : b.shape).slice(0, -2), M, N];
  return out;
}

/** The same buffer seen with another shape (no copy, no new reference). */
function reshape2(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

export const batchMatMulWasm: KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};

