// The tile transforms of the Winograd convolutions (winogradConv.ts) as
// hand-assembled WebAssembly SIMD, 4 channels per vector:
//
//   out[i][j] (+)= Σ_r Σ_c L[i][r] · in[r][c] · L[j][c]      (out = L · in · Lᵀ, L a×n)
//
// for every vector of `count` consecutive 16-byte vectors (the channels), and
// for `nTiles` tiles one after another. The input's n×n elements lie at
// src + r·sRow + c·sCol, the output's a×a at dst + i·dRow + j·dCol; these
// strides are compiled in as load/store offsets (one module per L and
// strides, compiled on first use, like convSimd.ts). L's entries are compiled
// in too: 0 terms vanish, ±1 terms are adds/subs, others a multiply. With
// `accumulate` the output is added to what is there (the input gradient's
// overlapping tiles); tiles run in order, so overlaps are summed correctly.
import { add, countdown, f32x4Add, f32x4Const, f32x4Mul, f32x4Sub, get, I32, i32c, section, set, simdOp, str, uleb, V128, v128Load, v128Store, vec } from './wasmAsm.ts';

const f32x4Neg = simdOp(0xe1);

// transform(src, dst, nTiles, count, sTile, dTile): all i32, byte addresses/strides.
const A = { src: 0, dst: 1, nTiles: 2, count: 3, sTile: 4, dTile: 5 };
const LOC = { t: 6, v: 7, ps: 8, pd: 9 };
const V0 = 10; // v128 locals: n row inputs, then n·a row results

export interface TransformLayout { sRow: number; sCol: number; dRow: number; dCol: number }
export type Transform = (src: number, dst: number, nTiles: number, count: number, sTile: number, dTile: number) => void;

/** Σ_k coeffs[k] · term(k), left on the stack (0 if every coefficient is 0). */
function linear(coeffs: number[], term: (k: number) => number[]): number[] {
  const terms = coeffs.map((c, k) => [c, k]).filter(([c]) => c !== 0);
  if (terms.length === 0) return f32x4Const(0);
  terms.sort((p, q) => Number(q[0] === 1) - Number(p[0] === 1)); // start with a +1 term when there is one
  const [[c0, k0], ...rest] = terms;
  const out = [...term(k0)];
  if (c0 === -1) out.push(...f32x4Neg);
  else if (c0 !== 1) out.push(...f32x4Const(c0), ...f32x4Mul);
  for (const [c, k] of rest) {
    if (c === 1) out.push(...term(k), ...f32x4Add);
    else if (c === -1) out.push(...term(k), ...f32x4Sub);
    else out.push(...term(k), ...f32x4Const(Math.abs(c)), ...f32x4Mul, ...(c > 0 ? f32x4Add : f32x4Sub));
  }
  return out;
}

function body(L: number[][], lay: TransformLayout, accumulate: boolean): number[] {
  const a = L.length;
  const n = L[0].length;
  const D = V0;
  const S = V0 + n; // S[r·a + j] = Σ_c in[r][c] · L[j][c]
  const perVector: number[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (L.every((row) => row[c] === 0)) continue;
      perVector.push(...get(LOC.ps), ...v128Load(r * lay.sRow + c * lay.sCol), ...set(D + c));
    }
    for (let j = 0; j < a; j++) perVector.push(...linear(L[j], (c) => get(D + c)), ...set(S + r * a + j));
  }
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < a; j++) {
      const off = i * lay.dRow + j * lay.dCol;
      perVector.push(...get(LOC.pd));
      if (accumulate) perVector.push(...get(LOC.pd), ...v128Load(off));
      perVector.push(...linear(L[i], (r) => get(S + r * a + j)));
      if (accumulate) perVector.push(...f32x4Add);
      perVector.push(...v128Store(off));
    }
  }
  perVector.push(...get(LOC.ps), ...i32c(16), ...add, ...set(LOC.ps), ...get(LOC.pd), ...i32c(16), ...add, ...set(LOC.pd));
  const tile = [
    ...get(A.src), ...set(LOC.ps), ...get(A.dst), ...set(LOC.pd),
    ...countdown(LOC.v, get(A.count), perVector),
    ...get(A.src), ...get(A.sTile), ...add, ...set(A.src), ...get(A.dst), ...get(A.dTile), ...add, ...set(A.dst),
  ];
  return countdown(LOC.t, get(A.nTiles), tile);
}

function moduleBytes(L: number[][], lay: TransformLayout, accumulate: boolean): Uint8Array<ArrayBuffer> {
  const n = L[0].length;
  const type = section(1, vec([[0x60, ...vec(Array.from({ length: Object.keys(A).length }, () => [I32])), ...vec([])]]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str('transform'), 0x00, ...uleb(0)]]));
  const bytes = [...vec([[...uleb(Object.keys(LOC).length), I32], [...uleb(n + n * L.length), V128]]), ...body(L, lay, accumulate), 0x0b];
  const code = section(10, vec([[...uleb(bytes.length), ...bytes]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

const compiled = new Map<string, WebAssembly.Module>();
const instances = new WeakMap<WebAssembly.Memory, Map<string, Transform>>();

/** out = L · in · Lᵀ per vector and tile (see above), bound to `memory`. */
export function transformKernel(memory: WebAssembly.Memory, L: number[][], lay: TransformLayout, accumulate = false): Transform {
  const key = `${JSON.stringify(L)}|${lay.sRow},${lay.sCol},${lay.dRow},${lay.dCol}|${accumulate}`;
  let perMemory = instances.get(memory);
  if (perMemory == null) instances.set(memory, (perMemory = new Map()));
  let k = perMemory.get(key);
  if (k == null) {
    let module = compiled.get(key);
    if (module == null) compiled.set(key, (module = new WebAssembly.Module(moduleBytes(L, lay, accumulate))));
    k = new WebAssembly.Instance(module, { env: { memory } }).exports.transform as Transform;
    perMemory.set(key, k);
  }
  return k;
}
