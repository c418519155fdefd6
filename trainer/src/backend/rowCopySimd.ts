// Row copies for the convolutions' padded and space-to-depth buffers, as one
// wasm call per image instead of a copyWithin + fills per row (those JS calls
// were ~2–3 ms of a chunk step's CPU profile, mostly per-call overhead on
// 3 KB rows):
//
//   copyRows(src, dst, nRows, vecs, srcRow, dstRow, left, right)
//     per row: `left` zero vectors at dst − 16·left, `vecs` vectors copied
//     from src to dst, `right` zero vectors after them; src += srcRow, dst += dstRow.
//
// All sizes in 16-byte vectors (the Winograd paths need CI % 4 == 0, so
// every row, border and pixel is whole vectors); addresses and strides in bytes.
import { add, countdown, get, I32, i32c, mul, section, set, str, sub, uleb, v128Load, v128Store, vec } from './wasmAsm.ts';

const A = { src: 0, dst: 1, nRows: 2, vecs: 3, srcRow: 4, dstRow: 5, left: 6, right: 7 };
const L = { r: 8, k: 9, ps: 10, pd: 11 };
const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const bump = (local: number, bytes: number): number[] => [...get(local), ...i32c(bytes), ...add, ...set(local)];
  const clear = [...get(L.pd), ...zero, ...v128Store(0), ...bump(L.pd, 16)];
  const copy = [...get(L.pd), ...get(L.ps), ...v128Load(0), ...v128Store(0), ...bump(L.pd, 16), ...bump(L.ps, 16)];
  const row = [
    // pd = dst − 16·left
    ...get(A.dst), ...get(A.left), ...i32c(16), ...mul, ...sub, ...set(L.pd), ...get(A.src), ...set(L.ps),
    ...countdown(L.k, get(A.left), clear),
    ...countdown(L.k, get(A.vecs), copy),
    ...countdown(L.k, get(A.right), clear),
    ...get(A.src), ...get(A.srcRow), ...add, ...set(A.src), ...get(A.dst), ...get(A.dstRow), ...add, ...set(A.dst),
  ];
  const type = section(1, vec([[0x60, ...vec(Array.from({ length: Object.keys(A).length }, () => [I32])), ...vec([])]]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str('copyRows'), 0x00, ...uleb(0)]]));
  const body = [...vec([[...uleb(Object.keys(L).length), I32]]), ...countdown(L.r, get(A.nRows), row), 0x0b];
  const code = section(10, vec([[...uleb(body.length), ...body]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

export type CopyRows = (src: number, dst: number, nRows: number, vecs: number, srcRow: number, dstRow: number, left: number, right: number) => void;

let compiled: WebAssembly.Module | null = null;
const instances = new WeakMap<WebAssembly.Memory, CopyRows>();

/** The kernel bound to `memory` (the wasm backend's heap). */
export function copyRowsKernel(memory: WebAssembly.Memory): CopyRows {
  let k = instances.get(memory);
  if (k == null) {
    compiled ??= new WebAssembly.Module(moduleBytes());
    k = new WebAssembly.Instance(compiled, { env: { memory } }).exports.copyRows as CopyRows;
    instances.set(memory, k);
  }
  return k;
}
