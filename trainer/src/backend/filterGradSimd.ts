// Hand-assembled WebAssembly SIMD kernels: the conv filter gradient, a
// middle-axis Sum and the Adam step (each described where it is built). The
// filter one, instantiated on the wasm backend's own memory so it reads x and dy where
// they lie. Why: XNNPACK (the backend's only fast path) has no split-K GEMM,
// and a filter gradient is exactly that shape (a tiny [FH·FW·CI, CO] result
// summed over B·OH·OW pixels); run through XNNPACK's Conv2D it re-streams the
// whole dy once per few output rows and ran 2–3× slower than the forward
// convolution (measured). This kernel keeps a 4 (ci) × 8 (co) block of the
// result in 8 SIMD registers while it walks a rectangle of pixels (a variant
// with 1–3 channel rows takes a last partial block, e.g. the 3 channels of RGB):
//
//   acc[ci0+i][co0+4j..4j+3] += splat(x[p][ci0+i]) · dy[p][co0+4j..4j+3]
//
// 8 accumulators + 2 dy vectors + 1 splat fit the 16 xmm registers V8 uses
// on x64; the earlier 4 × 16 block (16 accumulators) spilled and ran at half
// the speed (fgbench, measured: e.g. 4.6 → 2.3 ms for the 12×12×32→64 layer).
// The JS side (filterGradViaSimd) walks batch and filter taps, and calls the
// kernel once per (b, kh, kw) with the rows × columns of output pixels whose
// input pixel is inside the image. Needs CO % 8 == 0 (every chunk encoder
// layer); other shapes use the XNNPACK paths.
//
// Assembled with wasmAsm.ts (no wasm toolchain in this repo); small on purpose.

import { add, countdown, F32, f32x4Add, f32x4Div, f32x4Mul, f32x4Splat, f32x4Sqrt, f32x4Sub, get, I32, i32c, load32Splat, mul, section, set, str, sub, tee, uleb, V128, v128Load, v128Store, vec } from './wasmAsm.ts';

// Parameters (all i32, byte addresses and strides): x and dy walk nRows rows
// of nCols pixels each; acc is the [rows of accRow bytes] filter-gradient tap.
// nXi independent problems run one after another, x, dy and acc xXi, dXi, accXi bytes apart
// (the a² products of a Winograd chunk in one call); 1, 0, 0, 0 for one.
const P = { xp: 0, xs: 1, xRow: 2, dp: 3, dys: 4, dyRow: 5, nCols: 6, nRows: 7, acc: 8, accRow: 9, ciBlocks: 10, coBlocks: 11, nXi: 12, xXi: 13, dXi: 14, accXi: 15 };
// Locals after the parameters.
const L = { cb: 16, cob: 17, a: 18, px: 19, pd: 20, p: 21, r: 22, rx: 23, rd: 24, xBase: 25, xi: 26 };
/** Output channels per block: 2 SIMD vectors. */
const CO_VECS = 2;
const ACC = 27; // 4 × CO_VECS v128 accumulators: ACC + CO_VECS·i + j
const XV = ACC + 4 * CO_VECS; // the splatted x value
const DV = XV + 1; // CO_VECS dy vectors

/** The filter-gradient kernel for blocks of `rows` (1–4) input channels × 8 output channels. */
function kernelBody(rows: number): number[] {
  const pixel: number[] = [];
  for (let j = 0; j < CO_VECS; j++) pixel.push(...get(L.pd), ...v128Load(16 * j), ...set(DV + j));
  for (let i = 0; i < rows; i++) {
    pixel.push(...get(L.px), ...load32Splat(4 * i), ...set(XV));
    for (let j = 0; j < CO_VECS; j++) {
      const a = ACC + CO_VECS * i + j;
      pixel.push(...get(a), ...get(XV), ...get(DV + j), ...f32x4Mul, ...f32x4Add, ...set(a));
    }
  }
  pixel.push(...get(L.px), ...get(P.xs), ...add, ...set(L.px), ...get(L.pd), ...get(P.dys), ...add, ...set(L.pd));
  const row = [
    ...get(L.rx), ...set(L.px), ...get(L.rd), ...set(L.pd),
    ...countdown(L.p, get(P.nCols), pixel),
    ...get(L.rx), ...get(P.xRow), ...add, ...set(L.rx), ...get(L.rd), ...get(P.dyRow), ...add, ...set(L.rd),
  ];

  const coBlockBytes = 16 * CO_VECS;
  const block: number[] = [];
  // a = acc + (ciBlocks − cb)·rows·accRow + (coBlocks − cob)·coBlockBytes (counters run down, so index by what is done).
  block.push(
    ...get(P.acc), ...get(P.ciBlocks), ...get(L.cb), ...sub, ...get(P.accRow), ...mul, ...i32c(rows), ...mul, ...add,
    ...get(P.coBlocks), ...get(L.cob), ...sub, ...i32c(coBlockBytes), ...mul, ...add, ...set(L.a),
  );
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < CO_VECS; j++) block.push(...get(L.a), ...get(P.accRow), ...i32c(i), ...mul, ...add, ...v128Load(16 * j), ...set(ACC + CO_VECS * i + j));
  }
  block.push(
    ...get(L.xBase), ...set(L.rx),
    ...get(P.dp), ...get(P.coBlocks), ...get(L.cob), ...sub, ...i32c(coBlockBytes), ...mul, ...add, ...set(L.rd),
  );
  block.push(...countdown(L.r, get(P.nRows), row));
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < CO_VECS; j++) block.push(...get(L.a), ...get(P.accRow), ...i32c(i), ...mul, ...add, ...get(ACC + CO_VECS * i + j), ...v128Store(16 * j));
  }

  const ciLoop: number[] = [
    // xBase = xp + (ciBlocks − cb)·rows·4
    ...get(P.xp), ...get(P.ciBlocks), ...get(L.cb), ...sub, ...i32c(4 * rows), ...mul, ...add, ...set(L.xBase),
    ...countdown(L.cob, get(P.coBlocks), block),
  ];
  const problem = [
    ...countdown(L.cb, get(P.ciBlocks), ciLoop),
    ...get(P.xp), ...get(P.xXi), ...add, ...set(P.xp), ...get(P.dp), ...get(P.dXi), ...add, ...set(P.dp), ...get(P.acc), ...get(P.accXi), ...add, ...set(P.acc),
  ];
  return countdown(L.xi, get(P.nXi), problem);
}

// Sum over the middle axis of an [outer, mid, inner] array, inner % 4 == 0:
// out[o][i] = Σ_m src[o][m][i], one pass over src, accumulating in the output
// row (the backend's own Sum transposes the reduced axes innermost first).
const R = { src: 0, dst: 1, outer: 2, mid: 3, vecs: 4 };
const RL = { o: 5, m: 6, i: 7, ps: 8, pd: 9, pdi: 10 };

function middleSumBody(): number[] {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
  const clear = [...get(RL.pdi), ...zero, ...v128Store(0), ...get(RL.pdi), ...i32c(16), ...add, ...set(RL.pdi)];
  const accumulate = [
    ...get(RL.pdi), ...get(RL.pdi), ...v128Load(0), ...get(RL.ps), ...v128Load(0), ...f32x4Add, ...v128Store(0),
    ...get(RL.pdi), ...i32c(16), ...add, ...set(RL.pdi), ...get(RL.ps), ...i32c(16), ...add, ...set(RL.ps),
  ];
  const row = [...get(RL.pd), ...set(RL.pdi), ...countdown(RL.i, get(R.vecs), accumulate)];
  const outerBody = [
    ...get(RL.pd), ...set(RL.pdi), ...countdown(RL.i, get(R.vecs), clear),
    ...countdown(RL.m, get(R.mid), row),
    ...get(RL.pd), ...get(R.vecs), ...i32c(16), ...mul, ...add, ...set(RL.pd),
  ];
  return [...get(R.src), ...set(RL.ps), ...get(R.dst), ...set(RL.pd), ...countdown(RL.o, get(R.outer), outerBody)];
}

// One Adam step over n4 groups of 4 floats (AdamOptimizer.ts explains the update):
//   m' = b1·m + a1·g   v' = b2·v + a2·g²   w' = w − lrc·m' / (√(v'·invC2) + eps)
// written to fresh buffers mo, vo, wo. i32 addresses, then f32 constants.
const A = { g: 0, m: 1, v: 2, w: 3, mo: 4, vo: 5, wo: 6, n4: 7, b1: 8, a1: 9, b2: 10, a2: 11, lrc: 12, invC2: 13, eps: 14 };
const AL = { k: 15, off: 16, gv: 17, mv: 18, vv: 19, b1: 20, a1: 21, b2: 22, a2: 23, lrc: 24, invC2: 25, eps: 26 };

function adamBody(): number[] {
  const splats: number[] = [];
  for (const [param, local] of [[A.b1, AL.b1], [A.a1, AL.a1], [A.b2, AL.b2], [A.a2, AL.a2], [A.lrc, AL.lrc], [A.invC2, AL.invC2], [A.eps, AL.eps]]) {
    splats.push(...get(param), ...f32x4Splat, ...set(local));
  }
  const at = (base: number): number[] => [...get(base), ...get(AL.off), ...add];
  const step = [
    ...at(A.g), ...v128Load(0), ...set(AL.gv),
    // m' = b1·m + a1·g
    ...at(A.mo), ...get(AL.b1), ...at(A.m), ...v128Load(0), ...f32x4Mul, ...get(AL.a1), ...get(AL.gv), ...f32x4Mul, ...f32x4Add, ...tee(AL.mv), ...v128Store(0),
    // v' = b2·v + a2·g·g
    ...at(A.vo), ...get(AL.b2), ...at(A.v), ...v128Load(0), ...f32x4Mul, ...get(AL.a2), ...get(AL.gv), ...f32x4Mul, ...get(AL.gv), ...f32x4Mul, ...f32x4Add, ...tee(AL.vv), ...v128Store(0),
    // w' = w − lrc·m' / (√(v'·invC2) + eps)
    ...at(A.wo), ...at(A.w), ...v128Load(0),
    ...get(AL.lrc), ...get(AL.mv), ...f32x4Mul, ...get(AL.vv), ...get(AL.invC2), ...f32x4Mul, ...f32x4Sqrt, ...get(AL.eps), ...f32x4Add, ...f32x4Div,
    ...f32x4Sub, ...v128Store(0),
    ...get(AL.off), ...i32c(16), ...add, ...set(AL.off),
  ];
  return [...splats, ...i32c(0), ...set(AL.off), ...countdown(AL.k, get(A.n4), step)];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fnType = (params: number): number[] => [0x60, ...vec(Array.from({ length: params }, () => [I32])), ...vec([])];
  const adamType = [0x60, ...vec([...Array.from({ length: 8 }, () => [I32]), ...Array.from({ length: 7 }, () => [F32])]), ...vec([])];
  const type = section(1, vec([fnType(Object.keys(P).length), fnType(Object.keys(R).length), adamType]));
  // Functions: 0 middleSum, 1–4 filterGradRows for 1–4 channel rows per block, 5 adamStep.
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(1), uleb(0), uleb(0), uleb(0), uleb(0), uleb(2)]));
  const exports = section(7, vec([
    [...str('middleSum'), 0x00, ...uleb(0)],
    ...[1, 2, 3, 4].map((rows) => [...str(`filterGradRows${rows}`), 0x00, ...uleb(rows)]),
    [...str('adamStep'), 0x00, ...uleb(5)],
  ]));
  const fn = (locals: number[][], body: number[]): number[] => {
    const bytes = [...vec(locals), ...body, 0x0b];
    return [...uleb(bytes.length), ...bytes];
  };
  const code = section(10, vec([
    fn([[...uleb(6), I32]], middleSumBody()),
    ...[1, 2, 3, 4].map((rows) => fn([[...uleb(Object.keys(L).length), I32], [...uleb(4 * CO_VECS + 1 + CO_VECS), V128]], kernelBody(rows))),
    fn([[...uleb(2), I32], [...uleb(10), V128]], adamBody()),
  ]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

export type FilterGradRows = (xp: number, xs: number, xRow: number, dp: number, dys: number, dyRow: number, nCols: number, nRows: number, acc: number, accRow: number, ciBlocks: number, coBlocks: number, nXi: number, xXi: number, dXi: number, accXi: number) => void;
export type MiddleSum = (src: number, dst: number, outer: number, mid: number, vecs: number) => void;
export type AdamStep = (g: number, m: number, v: number, w: number, mo: number, vo: number, wo: number, n4: number, b1: number, a1: number, b2: number, a2: number, lrc: number, invC2: number, eps: number) => void;
export interface GradKernels {
  adamStep: AdamStep;
  /** Index r − 1: the filter-gradient kernel for blocks of r input channels (4 for full blocks, 1–3 for a last partial one). */
  filterGradRows: FilterGradRows[];
  middleSum: MiddleSum;
}

const instances = new WeakMap<WebAssembly.Memory, GradKernels>();
let compiled: WebAssembly.Module | null = null;

/** The kernels bound to `memory` (the wasm backend's heap); compiled once, instantiated once per memory. */
export function gradKernels(memory: WebAssembly.Memory): GradKernels {
  let k = instances.get(memory);
  if (k == null) {
    compiled ??= new WebAssembly.Module(moduleBytes());
    const e = new WebAssembly.Instance(compiled, { env: { memory } }).exports;
    k = {
      filterGradRows: [1, 2, 3, 4].map((rows) => e[`filterGradRows${rows}`] as FilterGradRows),
      middleSum: e.middleSum as MiddleSum,
      adamStep: e.adamStep as AdamStep,
    };
    instances.set(memory, k);
  }
  return k;
}
