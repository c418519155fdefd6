// A hand-assembled WebAssembly SIMD input gradient for strided convolutions,
// scatter form: per filter tap, every output pixel p adds its gradient into
// the input pixel p' the tap read,
//
//   dx[p'][ci0..ci0+7] += Σ_co splat(dy[p][co]) · Wpacked[tap][ci block][co][0..7]
//
// with W packed per tap and 8-channel input block ([FH·FW][CI/8][CO][8]) so
// the co loop reads it sequentially. A block of P = 3 pixels × 8 channels
// (6 accumulators + 2 weight vectors + 1 splat) stays in registers over the
// co loop, like the forward kernel (convSimd.ts); the pixels of one tap never
// share a p', so the block needs no ordering. The earlier kernel held one
// pixel's 16 channels and ran ~1.6× slower (measured).
//
// One call walks a rectangle of output pixels (rows × groups of P columns)
// for one tap. Pixel strides are compiled in as offsets: one module per
// (P, dx pixel stride, dy pixel stride), compiled on first use.
import { add, countdown, f32x4Add, f32x4Mul, get, I32, i32c, load32Splat, section, set, str, uleb, V128, v128Load, v128Store, vec } from './wasmAsm.ts';

/** Input channels per block (2 SIMD vectors). */
export const DX_CI_BLOCK = 8;
const VECS = DX_CI_BLOCK / 4;

// scatter(dyp, dyRow, dxp, dxRow, wp, wCib, nGroups, nRows, co, ciBlocks): i32 byte addresses/strides.
const A = { dyp: 0, dyRow: 1, dxp: 2, dxRow: 3, wp: 4, wCib: 5, nGroups: 6, nRows: 7, co: 8, ciBlocks: 9 };
const L = { cib: 10, r: 11, g: 12, c: 13, rDy: 14, rDx: 15, gDy: 16, gDx: 17, dk: 18, wk: 19, wBlk: 20, dxBlk: 21 };
const ACC = 22;

function body(P: number, dxPixel: number, dyPixel: number): number[] {
  const SV = ACC + P * VECS;
  const WV = SV + 1;
  const perCo: number[] = [];
  for (let j = 0; j < VECS; j++) perCo.push(...get(L.wk), ...v128Load(16 * j), ...set(WV + j));
  for (let p = 0; p < P; p++) {
    perCo.push(...get(L.dk), ...load32Splat(p * dyPixel), ...set(SV));
    for (let j = 0; j < VECS; j++) {
      const a = ACC + p * VECS + j;
      perCo.push(...get(a), ...get(SV), ...get(WV + j), ...f32x4Mul, ...f32x4Add, ...set(a));
    }
  }
  perCo.push(...get(L.dk), ...i32c(4), ...add, ...set(L.dk), ...get(L.wk), ...i32c(16 * VECS), ...add, ...set(L.wk));

  const group: number[] = [];
  for (let p = 0; p < P; p++) for (let j = 0; j < VECS; j++) group.push(...get(L.gDx), ...v128Load(p * dxPixel + 16 * j), ...set(ACC + p * VECS + j));
  group.push(...get(L.gDy), ...set(L.dk), ...get(L.wBlk), ...set(L.wk));
  group.push(...countdown(L.c, get(A.co), perCo));
  for (let p = 0; p < P; p++) for (let j = 0; j < VECS; j++) group.push(...get(L.gDx), ...get(ACC + p * VECS + j), ...v128Store(p * dxPixel + 16 * j));
  group.push(...get(L.gDx), ...i32c(P * dxPixel), ...add, ...set(L.gDx), ...get(L.gDy), ...i32c(P * dyPixel), ...add, ...set(L.gDy));

  const row = [
    ...get(L.rDy), ...set(L.gDy), ...get(L.rDx), ...set(L.gDx),
    ...countdown(L.g, get(A.nGroups), group),
    ...get(L.rDy), ...get(A.dyRow), ...add, ...set(L.rDy), ...get(L.rDx), ...get(A.dxRow), ...add, ...set(L.rDx),
  ];
  const block = [
    ...get(A.dyp), ...set(L.rDy), ...get(L.dxBlk), ...set(L.rDx),
    ...countdown(L.r, get(A.nRows), row),
    ...get(L.dxBlk), ...i32c(16 * VECS), ...add, ...set(L.dxBlk), ...get(L.wBlk), ...get(A.wCib), ...add, ...set(L.wBlk),
  ];
  return [...get(A.dxp), ...set(L.dxBlk), ...get(A.wp), ...set(L.wBlk), ...countdown(L.cib, get(A.ciBlocks), block)];
}

export type InputGradScatter = (dyp: number, dyRow: number, dxp: number, dxRow: number, wp: number, wCib: number, nGroups: number, nRows: number, co: number, ciBlocks: number) => void;

const compiled = new Map<string, WebAssembly.Module>();
const instances = new WeakMap<WebAssembly.Memory, Map<string, InputGradScatter>>();

/** The kernel for blocks of P pixels with the given pixel strides (bytes), bound to `memory`. */
export function inputGradKernel(memory: WebAssembly.Memory, P: number, dxPixel: number, dyPixel: number): InputGradScatter {
  const key = `${P},${dxPixel},${dyPixel}`;
  let perMemory = instances.get(memory);
  if (perMemory == null) instances.set(memory, (perMemory = new Map()));
  let k = perMemory.get(key);
  if (k == null) {
    let module = compiled.get(key);
    if (module == null) compiled.set(key, (module = new WebAssembly.Module(moduleBytes(P, dxPixel, dyPixel))));
    k = new WebAssembly.Instance(module, { env: { memory } }).exports.scatter as InputGradScatter;
    perMemory.set(key, k);
  }
  return k;
}

function moduleBytes(P: number, dxPixel: number, dyPixel: number): Uint8Array<ArrayBuffer> {
  const type = section(1, vec([[0x60, ...vec(Array.from({ length: Object.keys(A).length }, () => [I32])), ...vec([])]]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str('scatter'), 0x00, ...uleb(0)]]));
  const bytes = [...vec([[...uleb(Object.keys(L).length), I32], [...uleb(P * VECS + 1 + VECS), V128]]), ...body(P, dxPixel, dyPixel), 0x0b];
  const code = section(10, vec([[...uleb(bytes.length), ...bytes]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}
