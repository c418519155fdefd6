// A hand-assembled WebAssembly SIMD forward convolution (NHWC, dilation 1),
// output-stationary: a block of P output pixels × 8 output channels stays in
// P·2 SIMD accumulators while the kernel walks the filter taps and input
// channels,
//
//   acc[p][co0..co0+7] += splat(x[pixel p's tap input][ci]) · Wpacked[tap, ci][co0..co0+7]
//
// W is packed per 8-channel output block ([CO/8][FH][FW][CI][8]) so its reads
// are sequential. P = 3: 6 accumulators + 2 weight vectors + 1 splat; P = 4
// measured ~7% slower, P = 5 and 6 1.7–2× slower (V8 spills SIMD registers).
// As the Winograd products (1×1, 36–81 problems per call) it runs at 56–63
// GFLOP/s on the chunk's layers (hot, e.g. 81 × [T×16]·[16×32]: 58), against
// 67 GFLOP/s for a register-only loop of ≥ 8 independent mul + add chains on
// this machine: ~90% of what 128-bit mul + add can do. TurboFan's code for
// the tap loop is tight (5 loads, 6 mul, 6 add, unrolled ×4). 2 pixels × 16
// channels (8 accumulators, 4 weight vectors) measured 4–9% slower.
//
// Padding is never materialised: per output row the JS side passes only the
// filter rows inside the image, runs the interior columns (every filter
// column inside) in blocks of P, and each edge column on its own with its
// filter columns clipped. Pixel strides are compiled in as load/store
// offsets, so there is one module per (P, input pixel stride, output pixel
// stride), compiled on first use.
//
// Relaxed-SIMD FMA (f32x4.relaxed_madd instead of mul + add, enabled in-process
// with v8.setFlagsFromString('--experimental-wasm-relaxed-simd') on Node 20)
// measured slower here, on this AMD EPYC: Conv2D 22 → 29–31 ms and the input
// gradients 14 → 19 ms per chunk step (profileStep A/B, load ~3-4), so the
// kernels stay on mul + add.
import { add, countdown, f32x4Add, f32x4Const, f32x4Mul, get, I32, load32Splat, mul, section, set, str, sub, uleb, V128, v128Load, v128Store, vec, i32c } from './wasmAsm.ts';

/** Output channels per block (2 SIMD vectors). */
export const CONV_CO_BLOCK = 8;
const VECS = CONV_CO_BLOCK / 4;

// conv(xp, xKh, wp, wKh, wCob, yp, nGroups, nKh, kRun, coBlocks): all i32, byte addresses/strides.
//   xp: input at (filter row 0 of the range, first tap column, ci 0) of the first pixel
//   xKh: bytes between input rows;  wp: packed W at (co block 0, first kh, first kw, ci 0)
//   wKh: bytes between filter rows in packed W; wCob: bytes between output blocks
//   yp: output pixel 0;  nGroups: blocks of P pixels;  nKh: filter rows;  kRun: taps per filter row × CI
//   nXi: independent problems run one after another, xXi, wXi, yXi bytes apart (the a² products of
//   a Winograd chunk in one call: per-call overhead was ~2 ms of a chunk step); 1, 0, 0, 0 for one.
const A = { xp: 0, xKh: 1, wp: 2, wKh: 3, wCob: 4, yp: 5, nGroups: 6, nKh: 7, kRun: 8, coBlocks: 9, nXi: 10, xXi: 11, wXi: 12, yXi: 13 };
const L = { cob: 14, g: 15, kh: 16, k: 17, xg: 18, xr: 19, xk: 20, wk: 21, wh: 22, wb: 23, yb: 24, xi: 25 };
const ACC = 26;

function body(P: number, xPixel: number, yPixel: number): number[] {
  const XV = ACC + P * VECS;
  const WV = XV + 1;
  // One tap per iteration: unrolled bodies measured 1.5× slower (V8 hoists
  // the extra loads and spills).
  const tap: number[] = [];
  for (let j = 0; j < VECS; j++) tap.push(...get(L.wk), ...v128Load(16 * j), ...set(WV + j));
  for (let p = 0; p < P; p++) {
    tap.push(...get(L.xk), ...load32Splat(p * xPixel), ...set(XV));
    for (let j = 0; j < VECS; j++) {
      const a = ACC + p * VECS + j;
      tap.push(...get(a), ...get(XV), ...get(WV + j), ...f32x4Mul, ...f32x4Add, ...set(a));
    }
  }
  tap.push(...get(L.xk), ...i32c(4), ...add, ...set(L.xk), ...get(L.wk), ...i32c(16 * VECS), ...add, ...set(L.wk));
  const filterRow = [
    ...get(L.xr), ...set(L.xk), ...get(L.wh), ...set(L.wk),
    ...countdown(L.k, get(A.kRun), tap),
    ...get(L.xr), ...get(A.xKh), ...add, ...set(L.xr), ...get(L.wh), ...get(A.wKh), ...add, ...set(L.wh),
  ];
  const group: number[] = [];
  for (let a = ACC; a < ACC + P * VECS; a++) group.push(...f32x4Const(0), ...set(a));
  group.push(...get(L.xg), ...set(L.xr), ...get(L.wb), ...set(L.wh));
  group.push(...countdown(L.kh, get(A.nKh), filterRow));
  for (let p = 0; p < P; p++) {
    for (let j = 0; j < VECS; j++) group.push(...get(L.yb), ...get(ACC + p * VECS + j), ...v128Store(p * yPixel + 16 * j));
  }
  group.push(...get(L.xg), ...i32c(P * xPixel), ...add, ...set(L.xg), ...get(L.yb), ...i32c(P * yPixel), ...add, ...set(L.yb));
  const coBlock = [
    ...get(A.xp), ...set(L.xg), ...get(A.yp), ...set(L.yb),
    ...countdown(L.g, get(A.nGroups), group),
    ...get(L.wb), ...get(A.wCob), ...add, ...set(L.wb),
    ...get(A.yp), ...i32c(16 * VECS), ...add, ...set(A.yp),
  ];
  const problem = [
    ...get(A.wp), ...set(L.wb), ...countdown(L.cob, get(A.coBlocks), coBlock),
    // Next problem: yp was advanced by coBlocks output blocks.
    ...get(A.xp), ...get(A.xXi), ...add, ...set(A.xp), ...get(A.wp), ...get(A.wXi), ...add, ...set(A.wp),
    ...get(A.yp), ...get(A.yXi), ...add, ...get(A.coBlocks), ...i32c(16 * VECS), ...mul, ...sub, ...set(A.yp),
  ];
  return countdown(L.xi, get(A.nXi), problem);
}

export type ConvRows = (xp: number, xKh: number, wp: number, wKh: number, wCob: number, yp: number, nGroups: number, nKh: number, kRun: number, coBlocks: number, nXi: number, xXi: number, wXi: number, yXi: number) => void;

const compiled = new Map<string, WebAssembly.Module>();
const instances = new WeakMap<WebAssembly.Memory, Map<string, ConvRows>>();

/** The kernel for blocks of P pixels with the given pixel strides (bytes), bound to `memory`. */
export function convKernel(memory: WebAssembly.Memory, P: number, xPixel: number, yPixel: number): ConvRows {
  const key = `${P},${xPixel},${yPixel}`;
  let perMemory = instances.get(memory);
  if (perMemory == null) instances.set(memory, (perMemory = new Map()));
  let k = perMemory.get(key);
  if (k == null) {
    let module = compiled.get(key);
    if (module == null) compiled.set(key, (module = new WebAssembly.Module(moduleBytes(P, xPixel, yPixel))));
    k = new WebAssembly.Instance(module, { env: { memory } }).exports.conv as ConvRows;
    perMemory.set(key, k);
  }
  return k;
}

function moduleBytes(P: number, xPixel: number, yPixel: number): Uint8Array<ArrayBuffer> {
  const type = section(1, vec([[0x60, ...vec(Array.from({ length: Object.keys(A).length }, () => [I32])), ...vec([])]]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str('conv'), 0x00, ...uleb(0)]]));
  const bytes = [...vec([[...uleb(Object.keys(L).length), I32], [...uleb(P * VECS + 1 + VECS), V128]]), ...body(P, xPixel, yPixel), 0x0b];
  const code = section(10, vec([[...uleb(bytes.length), ...bytes]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}
