// Add for the WASM backend, in front of the backend's own kernel: a conv
// layer's bias add ([..., C] + [C], float32, C % 4 == 0) is one SIMD pass of
// ours; the stock kernel's general broadcasting loop took ~2 ms per step for
// the chunk encoder's first layer alone (measured). Training adds the bias
// separately because tfjs-core does not fuse conv + bias + relu under a
// gradient tape. Everything else goes to the stock kernel.
import { util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { add, countdown, f32x4Add, get, I32, i32c, section, set, str, uleb, V128, v128Load, v128Store, vec } from './wasmAsm.ts';
import { allocF32, floatOffset, wasmMemory } from './wasmHeap.ts';

type Args = { inputs: { a: TensorInfo; b: TensorInfo }; backend: BackendWasm };

let stock: KernelConfig | null = null;
const setUp = new WeakSet<object>();

export function setStockAdd(config: KernelConfig): void {
  stock = config;
}

function stockAdd(args: Args): TensorInfo {
  if (stock == null) throw new Error("Add (wasm): expected the backend's own Add to be captured at registration, found none; call registerWasmTrainingKernels()");
  if (!setUp.has(args.backend)) {
    stock.setupFunc?.(args.backend);
    setUp.add(args.backend);
  }
  return (stock.kernelFunc as KernelFunc)(args as never) as TensorInfo;
}

// rowAdd(a, bias, out, rows, vecs): out[r][v] = a[r][v] + bias[v] over f32x4 vectors.
const A = { a: 0, bias: 1, out: 2, rows: 3, vecs: 4 };
const L = { r: 5, v: 6, pb: 7 };

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const vecStep = [
    ...get(A.out), ...get(A.a), ...v128Load(0), ...get(L.pb), ...v128Load(0), ...f32x4Add, ...v128Store(0),
    ...get(A.a), ...i32c(16), ...add, ...set(A.a), ...get(A.out), ...i32c(16), ...add, ...set(A.out), ...get(L.pb), ...i32c(16), ...add, ...set(L.pb),
  ];
  const body = countdown(L.r, get(A.rows), [...get(A.bias), ...set(L.pb), ...countdown(L.v, get(A.vecs), vecStep)]);
  const type = section(1, vec([[0x60, ...vec(Array.from({ length: 5 }, () => [I32])), ...vec([])]]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str('rowAdd'), 0x00, ...uleb(0)]]));
  const bytes = [...vec([[...uleb(3), I32], [...uleb(0), V128]]), ...body, 0x0b];
  const code = section(10, vec([[...uleb(bytes.length), ...bytes]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

type RowAdd = (a: number, bias: number, out: number, rows: number, vecs: number) => void;
const instances = new WeakMap<WebAssembly.Memory, RowAdd>();
let compiled: WebAssembly.Module | null = null;

function rowAdd(memory: WebAssembly.Memory): RowAdd {
  let k = instances.get(memory);
  if (k == null) {
    compiled ??= new WebAssembly.Module(moduleBytes());
    k = new WebAssembly.Instance(compiled, { env: { memory } }).exports.rowAdd as RowAdd;
    instances.set(memory, k);
  }
  return k;
}

function addKernel(args: Args): TensorInfo {
  const { inputs: { a, b }, backend } = args;
  const memory = wasmMemory(backend);
  const c = b.shape.length === 1 ? b.shape[0] : -1;
  if (memory == null || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || a.shape[a.shape.length - 1] !== c || c % 4 !== 0) {
    return stockAdd(args);
  }
  const out = allocF32(backend, a.shape);
  const rows = util.sizeFromShape(a.shape) / c;
  if (rows > 0) rowAdd(memory)(floatOffset(backend, a) * 4, floatOffset(backend, b) * 4, floatOffset(backend, out) * 4, rows, c / 4);
  return out;
}

export const addWasm: KernelConfig = {
  kernelName: 'Add',
  backendName: 'wasm',
  kernelFunc: addKernel as unknown as KernelFunc,
};
