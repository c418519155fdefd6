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
// With `biasRelu` (the forward's output transform) each output is stored as
// max(out + bias[vector], 0), the same add and pmax as convBiasReluWasm.ts's
// pass over y, so a layer's output is written once instead of three times.
//
// The row pass's n·a sums S are held in locals. TurboFan schedules the loads
// of a straight-line block ahead of the arithmetic, so all n² inputs are
// loaded up front and, with S live until the column pass, most values go to
// the stack (--print-wasm-code of the p4 input transform: 201 vector stores
// per tile and vector for its 81 outputs). Where the source is spent (the
// product outputs M and dV and the filter gradient's dU, each read once;
// `spentSource`), each row's sums are stored over its own inputs and the
// column pass reads them back: a row's loads then come after the previous
// row's stores and little is live at once. Same sums in the same order.
// Measured (tiles in L1, ns per tile and vector, in locals → staged): p4
// output transform 38 → 25, F(4×4)'s 16.5 → 13.5, back transforms 65 → 61
// (p4) and 33 → 29. The input and dy transforms read images that must stay
// intact (tiles overlap); staging their sums in the destination was slower,
// and in a small scratch buffer (1–1.3 KB, in L1) the same as V8's spill
// slots (tiles in L1, ns per tile and vector, locals → scratch: F(4×4) input
// 24.7 → 23.9, p4 input 39.7 → 40.2, dy transforms within 3%).
// There, output columns whose row of L just picks an input column (p4's odd
// phase: 4 of Bt's 9 rows, 6 of Atᵀ's 9) skip S: the column pass loads their
// inputs itself (p4 input transform, tiles in L1: 46 → 38.5 ns per tile and
// vector).
import { add, countdown, f32x4Add, f32x4Const, f32x4Mul, f32x4Pmax, f32x4Sub, get, I32, i32c, section, set, simdOp, str, uleb, V128, v128Load, v128Store, vec } from './wasmAsm.ts';

const f32x4Neg = simdOp(0xe1);

// transform(src, dst, nTiles, count, sTile, dTile, bias): all i32, byte addresses/strides (bias: `count` vectors, biasRelu only).
const A = { src: 0, dst: 1, nTiles: 2, count: 3, sTile: 4, dTile: 5, bias: 6 };
const LOC = { t: 7, v: 8, ps: 9, pd: 10, pb: 11 };
const BV = 12; // v128 local: the vector's bias
const V0 = 13; // v128 locals: n row inputs, then n·a row results

/**
 * Byte strides of the input and output elements. With `out`, only outputs
 * i ∈ [i0, i1), j ∈ [j0, j1) are written, at dst + (i − i0)·dRow + (j − j0)·dCol
 * (dst then addresses output (i0, j0)): the input gradient's border tiles,
 * whose other outputs fall outside the image. `biasRelu`: see above (7th
 * argument: the bias, `count` vectors). `spentSource`: the source may be
 * overwritten (needs a <= n; see above).
 */
export interface TransformLayout { sRow: number; sCol: number; dRow: number; dCol: number; out?: { i0: number; i1: number; j0: number; j1: number }; biasRelu?: boolean; spentSource?: boolean }
export type Transform = (src: number, dst: number, nTiles: number, count: number, sTile: number, dTile: number, bias?: number) => void;

/** Σ_k coeffs[k] · term(k), left on the stack (0 if every coefficient is 0). */
function linear(coeffs: number[], term: (k: number) => number[]): number[] {
  const terms = coeffs.map((c, k) => [c, k]).filter(([c]) => c !== 0);
  if (terms.length === 0) return f32x4Const(0);
  terms.sort((p, q) => Number(q[0] === 1) - Number(p[0] === 1)); // start with a +1 term when there is one
  const [[c0, k0], ...rest] = terms;
  const out = [...term(k0)];
  if (c0 === -1) out.push(...f32x4Neg);
  else if (c0 === 2) out.push(...term(k0), ...f32x4Add); // 2·x as x + x (exact)
  else if (c0 !== 1) out.push(...f32x4Const(c0), ...f32x4Mul);
  for (const [c, k] of rest) {
    if (c === 1) out.push(...term(k), ...f32x4Add);
    else if (c === -1) out.push(...term(k), ...f32x4Sub);
    else out.push(...term(k), ...f32x4Const(Math.abs(c)), ...f32x4Mul, ...(c > 0 ? f32x4Add : f32x4Sub));
  }
  return out;
}

/**
 * A factored 1-D transform: temporaries first, each Σ coef · src over the
 * inputs 0…n−1 and earlier temporaries (n, n+1, …), then one such sum per
 * output. Shared sums (e.g. F(4×4)'s d4 − 4·d2 in two rows of Bt) cut the
 * vector ops of the tile transforms by ~40%. Checked against its matrix when
 * a module is built.
 */
interface Program { temps: [number, number][][]; outputs: [number, number][][] }

// F(4×4,3×3)'s four tile matrices (winogradConv.ts), keyed by JSON.stringify(L).
const F4_PROGRAMS: [number[][], Program][] = [
  [ // Bt: input transform.  6 d4−4d2, 7 d3−4d1, 8 d4−d2, 9 d3−d1, 10 2·(d3−d1), 11 d0−d2, 12 d1−d3
    [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
    {
      temps: [[[1, 4], [-4, 2]], [[1, 3], [-4, 1]], [[1, 4], [-1, 2]], [[1, 3], [-1, 1]], [[2, 9]], [[1, 0], [-1, 2]], [[1, 1], [-1, 3]]],
      outputs: [[[1, 8], [4, 11]], [[1, 6], [1, 7]], [[1, 6], [-1, 7]], [[1, 8], [1, 10]], [[1, 8], [-1, 10]], [[1, 5], [-1, 3], [4, 12]]],
    },
  ],
  [ // At: output transform.  6 m1+m2, 7 m1−m2, 8 m3+m4, 9 m3−m4
    [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
    {
      temps: [[[1, 1], [1, 2]], [[1, 1], [-1, 2]], [[1, 3], [1, 4]], [[1, 3], [-1, 4]]],
      outputs: [[[1, 0], [1, 6], [1, 8]], [[1, 7], [2, 9]], [[1, 6], [4, 8]], [[1, 7], [8, 9], [1, 5]]],
    },
  ],
  [ // Atᵀ: dy transform.  4 d0+d2, 5 d1+d3, 6 d0+4d2, 7 d1+4d3, 8 2·(d1+4d3)
    [[1, 0, 0, 0], [1, 1, 1, 1], [1, -1, 1, -1], [1, 2, 4, 8], [1, -2, 4, -8], [0, 0, 0, 1]],
    {
      temps: [[[1, 0], [1, 2]], [[1, 1], [1, 3]], [[1, 0], [4, 2]], [[1, 1], [4, 3]], [[2, 7]]],
      outputs: [[[1, 0]], [[1, 4], [1, 5]], [[1, 4], [-1, 5]], [[1, 6], [1, 8]], [[1, 6], [-1, 8]], [[1, 3]]],
    },
  ],
  [ // Btᵀ: input-gradient back transform.  6 d1+d2, 7 d1−d2, 8 d3+d4, 9 d3−d4, 10 d0+d1+d2, 11 d5−(d1−d2)
    [[4, 0, 0, 0, 0, 0], [0, -4, 4, -2, 2, 4], [-5, -4, -4, -1, -1, 0], [0, 1, -1, 2, -2, -5], [1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 0, 1]],
    {
      temps: [[[1, 1], [1, 2]], [[1, 1], [-1, 2]], [[1, 3], [1, 4]], [[1, 3], [-1, 4]], [[1, 0], [1, 6]], [[1, 5], [-1, 7]]],
      outputs: [[[4, 0]], [[4, 11], [-2, 9]], [[-4, 10], [-1, 0], [-1, 8]], [[1, 7], [2, 9], [-5, 5]], [[1, 10], [1, 8]], [[1, 5]]],
    },
  ],
];
// The stride-2 polyphase p4's (winogradConv.ts): its F(4,2) even phase shares differences; the odd phase is copies.
const P4_PROGRAMS: [number[][], Program][] = [
  [ // Bt.  9 x6−x2, 10 x0−x4, 11 x4−x2, 12 x8−x4
    [[2, 0, -1, 0, -2, 0, 1, 0, 0], [0, 0, 2, 0, 1, 0, -1, 0, 0], [0, 0, -2, 0, 3, 0, -1, 0, 0], [0, 0, -1, 0, 0, 0, 1, 0, 0], [0, 0, 2, 0, -1, 0, -2, 0, 1],
      [0, 1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 1, 0]],
    {
      temps: [[[1, 6], [-1, 2]], [[1, 0], [-1, 4]], [[1, 4], [-1, 2]], [[1, 8], [-1, 4]]],
      outputs: [[[1, 9], [2, 10]], [[1, 4], [1, 2], [-1, 9]], [[3, 11], [-1, 9]], [[1, 9]], [[1, 12], [-2, 9]], [[1, 1]], [[1, 3]], [[1, 5]], [[1, 7]]],
    },
  ],
  [ // At.  9 m1+m2, 10 m1−m2
    [[1, 1, 1, 1, 0, 1, 0, 0, 0], [0, 1, -1, 2, 0, 0, 1, 0, 0], [0, 1, 1, 4, 0, 0, 0, 1, 0], [0, 1, -1, 8, 1, 0, 0, 0, 1]],
    {
      temps: [[[1, 1], [1, 2]], [[1, 1], [-1, 2]]],
      outputs: [[[1, 0], [1, 9], [1, 3], [1, 5]], [[1, 10], [2, 3], [1, 6]], [[1, 9], [4, 3], [1, 7]], [[1, 10], [8, 3], [1, 4], [1, 8]]],
    },
  ],
  [ // Atᵀ: dy transform.  4 d0+d2, 5 d1+d3
    [[1, 0, 0, 0], [1, 1, 1, 1], [1, -1, 1, -1], [1, 2, 4, 8], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
    {
      temps: [[[1, 0], [1, 2]], [[1, 1], [1, 3]]],
      outputs: [[[1, 0]], [[1, 4], [1, 5]], [[1, 4], [-1, 5]], [[1, 0], [2, 1], [4, 2], [8, 3]], [[1, 3]], [[1, 0]], [[1, 1]], [[1, 2]], [[1, 3]]],
    },
  ],
  [ // Btᵀ: input-gradient back transform.  9 v1−v2, 10 v0+v3, 11 v1−v2+v4
    [[2, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1, 0, 0, 0], [-1, 2, -2, -1, 2, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1, 0, 0], [-2, 1, 3, 0, -1, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 1, 0], [1, -1, -1, 1, -2, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0, 0, 0]],
    {
      temps: [[[1, 1], [-1, 2]], [[1, 0], [1, 3]], [[1, 9], [1, 4]]],
      outputs: [[[2, 0]], [[1, 5]], [[2, 11], [-1, 10]], [[1, 6]], [[1, 1], [3, 2], [-2, 0], [-1, 4]], [[1, 7]], [[1, 10], [-1, 1], [-1, 2], [-2, 4]], [[1, 8]], [[1, 4]]],
    },
  ],
];
const PROGRAMS = new Map([...F4_PROGRAMS, ...P4_PROGRAMS].map(([L, prog]) => [JSON.stringify(L), prog]));

/**
 * Benchmarks flip these for A/B: the plain one-sum-per-row transforms; row
 * sums in locals even where the source is spent (profileStep STAGED=0); copy
 * columns through the row sums too (profileStep COPY_COLUMNS=0).
 */
export const transformSettings = { factored: true, staged: true, copyColumns: true };
/** Whether a transform with this layout parks its row sums in its source (see TransformLayout.spentSource). */
const staged = (lay: TransformLayout): boolean => transformSettings.staged && lay.spentSource === true;

/** The plain program of L: one sum per row, no temporaries. */
const plainProgram = (L: number[][]): Program => ({ temps: [], outputs: L.map((row) => row.map((c, k): [number, number] => [c, k]).filter(([c]) => c !== 0)) });

/** Throws unless `prog` computes L (evaluated on unit vectors in float64). */
function checkProgram(L: number[][], prog: Program): void {
  const n = L[0].length;
  for (let k = 0; k < n; k++) {
    const v: number[] = Array.from({ length: n }, (_, i) => (i === k ? 1 : 0));
    const sum = (terms: [number, number][]): number => terms.reduce((acc, [c, src]) => acc + c * v[src], 0);
    for (const t of prog.temps) v.push(sum(t));
    prog.outputs.forEach((terms, i) => {
      if (Math.abs(sum(terms) - L[i][k]) > 1e-12) throw new Error(`winograd transform: expected the factored program to compute row ${i} of ${JSON.stringify(L)}, found a mismatch at column ${k}`);
    });
  }
}

function programFor(L: number[][]): Program {
  const prog = transformSettings.factored ? PROGRAMS.get(JSON.stringify(L)) : undefined;
  if (prog == null) return plainProgram(L);
  checkProgram(L, prog);
  return prog;
}

/** Dense coefficients of a sparse sum over `size` sources. */
const dense = (terms: [number, number][], size: number): number[] => {
  const out = new Array<number>(size).fill(0);
  for (const [c, src] of terms) out[src] += c;
  return out;
};

function body(L: number[][], lay: TransformLayout, accumulate: boolean, prog: Program): number[] {
  const a = L.length;
  const n = L[0].length;
  const { i0, i1, j0, j1 } = lay.out ?? { i0: 0, i1: a, j0: 0, j1: a };
  const D = V0;
  const S = V0 + n; // S[r·a + j] = Σ_c in[r][c] · L[j][c]
  const T = S + n * a; // the program's temporaries
  const size = n + prog.temps.length;
  /** Code that computes the temporaries from `input(k)`, and code pushing output i. */
  const apply = (input: (k: number) => number[]): { pre: number[]; out: (i: number) => number[] } => {
    const term = (src: number): number[] => (src < n ? input(src) : get(T + src - n));
    const pre: number[] = [];
    prog.temps.forEach((t, i) => pre.push(...linear(dense(t, size), term), ...set(T + i)));
    return { pre, out: (i) => linear(dense(prog.outputs[i], size), term) };
  };
  if (lay.biasRelu && accumulate) throw new Error('winograd transform: expected biasRelu without accumulate, found both');
  const perVector: number[] = [];
  if (lay.biasRelu) perVector.push(...get(LOC.pb), ...v128Load(0), ...set(BV));
  /** Loads input row r and pushes its temporaries; returns the row pass (its sums S[r][j] = rowPass.out(j)). */
  const rowPass = (r: number, load: (c: number) => boolean = () => true): ReturnType<typeof apply> => {
    for (let c = 0; c < n; c++) {
      if (L.every((row) => row[c] === 0) || !load(c)) continue;
      perVector.push(...get(LOC.ps), ...v128Load(r * lay.sRow + c * lay.sCol), ...set(D + c));
    }
    const pass = apply((c) => get(D + c));
    perVector.push(...pass.pre);
    return pass;
  };
  /** Column j's outputs from its column pass, stored (or added) at their places. */
  const storeColumn = (j: number, colPass: ReturnType<typeof apply>): void => {
    perVector.push(...colPass.pre);
    for (let i = i0; i < i1; i++) {
      const off = (i - i0) * lay.dRow + (j - j0) * lay.dCol;
      perVector.push(...get(LOC.pd));
      if (accumulate) perVector.push(...get(LOC.pd), ...v128Load(off));
      perVector.push(...colPass.out(i));
      if (accumulate) perVector.push(...f32x4Add);
      if (lay.biasRelu) perVector.push(...get(BV), ...f32x4Add, ...f32x4Const(0), ...f32x4Pmax);
      perVector.push(...v128Store(off));
    }
  };
  if (staged(lay)) {
    // Row by row: its sums S[r][j] stored over its own inputs (r, j) (j < a <= n, loaded already), so
    // a row's loads come after the previous row's stores; then column by column from there.
    if (a > n) throw new Error(`winograd transform: expected a <= n to keep the row sums in the source, found n ${n}, a ${a}`);
    for (let r = 0; r < n; r++) {
      const pass = rowPass(r);
      for (let j = j0; j < j1; j++) perVector.push(...pass.out(j), ...set(S + j));
      for (let j = j0; j < j1; j++) perVector.push(...get(LOC.ps), ...get(S + j), ...v128Store(r * lay.sRow + j * lay.sCol));
    }
    for (let j = j0; j < j1; j++) {
      for (let r = 0; r < n; r++) perVector.push(...get(LOC.ps), ...v128Load(r * lay.sRow + j * lay.sCol), ...set(D + r));
      storeColumn(j, apply((r) => get(D + r)));
    }
  } else {
    // Output columns whose row of L picks one input column (L[j] = e_c: p4's odd phase, Atᵀ's first and last
    // rows) read their n inputs in the column pass instead of through S, so fewer values are live in between.
    const copyOf = (j: number): number => {
      const nz = L[j].flatMap((v, c) => (v !== 0 ? [[v, c]] : []));
      return transformSettings.copyColumns && nz.length === 1 && nz[0][0] === 1 ? nz[0][1] : -1;
    };
    const sums = Array.from({ length: j1 - j0 }, (_, k) => j0 + k).filter((j) => copyOf(j) < 0);
    // Input columns the row pass needs: those of the summed columns and of the program's temporaries.
    const used = new Set<number>();
    for (const j of sums) L[j].forEach((v, c) => v !== 0 && used.add(c));
    for (const t of prog.temps) for (const [, src] of t) if (src < n) used.add(src);
    for (let r = 0; r < n; r++) {
      const pass = rowPass(r, (c) => used.has(c));
      for (const j of sums) perVector.push(...pass.out(j), ...set(S + r * a + j));
    }
    for (let j = j0; j < j1; j++) {
      const c = copyOf(j);
      if (c < 0) {
        storeColumn(j, apply((r) => get(S + r * a + j)));
        continue;
      }
      for (let r = 0; r < n; r++) perVector.push(...get(LOC.ps), ...v128Load(r * lay.sRow + c * lay.sCol), ...set(D + r));
      storeColumn(j, apply((r) => get(D + r)));
    }
  }
  perVector.push(...get(LOC.ps), ...i32c(16), ...add, ...set(LOC.ps), ...get(LOC.pd), ...i32c(16), ...add, ...set(LOC.pd));
  if (lay.biasRelu) perVector.push(...get(LOC.pb), ...i32c(16), ...add, ...set(LOC.pb));
  const tile = [
    ...get(A.src), ...set(LOC.ps), ...get(A.dst), ...set(LOC.pd), ...get(A.bias), ...set(LOC.pb),
    ...countdown(LOC.v, get(A.count), perVector),
    ...get(A.src), ...get(A.sTile), ...add, ...set(A.src), ...get(A.dst), ...get(A.dTile), ...add, ...set(A.dst),
  ];
  return countdown(LOC.t, get(A.nTiles), tile);
}

function moduleBytes(L: number[][], lay: TransformLayout, accumulate: boolean): Uint8Array<ArrayBuffer> {
  const n = L[0].length;
  const prog = programFor(L);
  const type = section(1, vec([[0x60, ...vec(Array.from({ length: Object.keys(A).length }, () => [I32])), ...vec([])]]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str('transform'), 0x00, ...uleb(0)]]));
  const bytes = [...vec([[...uleb(Object.keys(LOC).length), I32], [...uleb(V0 - BV + n + n * L.length + prog.temps.length), V128]]), ...body(L, lay, accumulate, prog), 0x0b];
  const code = section(10, vec([[...uleb(bytes.length), ...bytes]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

const compiled = new Map<string, WebAssembly.Module>();
const instances = new WeakMap<WebAssembly.Memory, Map<string, Transform>>();

/** JSON of a matrix, kept per matrix object (a p4 matrix took ~10 µs to stringify, ~0.7 ms per chunk step). */
const matrixKeys = new WeakMap<number[][], string>();
function matrixKey(L: number[][]): string {
  let key = matrixKeys.get(L);
  if (key == null) matrixKeys.set(L, (key = JSON.stringify(L)));
  return key;
}

/** out = L · in · Lᵀ per vector and tile (see above), bound to `memory`. */
export function transformKernel(memory: WebAssembly.Memory, L: number[][], lay: TransformLayout, accumulate = false): Transform {
  const o = lay.out;
  const key = `${matrixKey(L)}|${lay.sRow},${lay.sCol},${lay.dRow},${lay.dCol}${o ? `|${o.i0},${o.i1},${o.j0},${o.j1}` : ''}|${accumulate}|${transformSettings.factored}${staged(lay) ? '|staged' : ''}${transformSettings.copyColumns ? '' : '|nocopy'}${lay.biasRelu ? '|biasRelu' : ''}`;
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
