// Winograd (Toom-Cook) convolutions for the chunk encoder's 3×3 layers:
// fewer multiplies for the same result (up to float rounding). Our direct
// SIMD kernels already run at about the 128-bit mul + add peak of this
// machine (~50 GFLOP/s), so only fewer flops make the conv layers faster.
//
// Per scheme (1-D matrices, used nested in 2-D): Bt (a×n), G (a×3), At (m×a).
// The image is cut into tiles of m×m outputs, each reading an n×n input patch
// (patches m·s apart). Per tile and channel vector:
//
//   forward          V = Bt·d·Btᵀ   U = G·g·Gᵀ   M[ξ] = V[ξ]·U[ξ] (a² matrix products over channels)   y = At·M·Atᵀ
//   filter gradient  dM = Atᵀ·dy·At   dU[ξ] = Σ_tiles V[ξ]ᵀ·dM[ξ]   dg = Gᵀ·dU·G
//   input gradient   dM as above    dV[ξ] = dM[ξ]·U[ξ]ᵀ   dx += Btᵀ·dV·Bt (patches overlap: summed in order)
//
// Schemes: F(2×2,3×3) and F(4×4,3×3) for stride 1 (2.25× and 4× fewer
// multiplies; F(4×4) is the default), and for stride 2 (see winogradScheme)
// a polyphase one, 'p2': a stride-2 3-tap
// correlation is a 2-tap one on the even inputs (F(2,2), 3 products per 2
// outputs) plus a 1-tap one on the odd inputs (2 products), so 5 instead of 6
// products in 1-D and 25 instead of 36 per 2×2 output tile in 2-D.
//
// F(6×6,3×3) (points 0, ±1, ±1/2, ±2, ∞; 1.78 products per output, 21% fewer
// than F(4×4)), with factored tile programs like F(4×4)'s, measured slower on
// the chunk's stride-1 layers (same process, interleaved, 30 rounds, process
// CPU min/median ms per camera, F(4×4) → F(6×6)): first layer (space-to-depth)
// forward 2.32/2.42 → 2.37/2.55, filter gradient 2.35/2.48 → 2.49/2.67;
// 12×12×32→64 forward 0.97/1.06 → 0.99/1.09, both gradients 1.97/2.10 →
// 1.92/2.04. Its 8×8 tile transforms cost 1.2–1.7× more per output (hot, ns
// per output: input 1.38 → 2.10, dy 0.84 → 1.38, output 1.08 → 1.28), which
// eats what the fewer products save (they run near the 128-bit peak: convSimd.ts).
//
// The tile transforms are SIMD kernels (winogradSimd.ts); the a² matrix
// products run on our direct kernels as 1×1 problems: the forward conv kernel
// (convSimd.ts) for M and dV, the filter-gradient kernel (filterGradSimd.ts)
// for dU. Work goes in chunks of tile rows so V and M stay in cache. The
// input is copied into a zero-padded buffer when a patch reaches outside it.
// Needs a 3×3 filter, equal strides 1 or 2, output sides divisible by m,
// CI % 4 == 0 and CO % 8 == 0 (the input gradient CI % 8 == 0 too).
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convKernel } from './convSimd.ts';
import { copyRowsKernel } from './rowCopySimd.ts';
import { gradKernels } from './filterGradSimd.ts';
import { keepPaddedInput, takePaddedInput } from './paddedInputCache.ts';
import { transformKernel, transformSettings } from './winogradSimd.ts';
import type { Transform } from './winogradSimd.ts';
import { allocF32, floatOffset, heapF32, lazyRowFill, wasmMemory } from './wasmHeap.ts';
import type { ConvGeometry } from './wasmHeap.ts';

export interface WinogradScheme {
  name: string;
  /** Stride the scheme is for. */
  s: number;
  /** Outputs per tile side. */
  m: number;
  Bt: number[][];
  G: number[][];
  At: number[][];
}

export const WINOGRAD_SCHEMES: Record<'f2' | 'f4' | 'p2' | 'p4', WinogradScheme> = {
  f2: {
    name: 'F(2x2,3x3)', s: 1, m: 2,
    Bt: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
    G: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
    At: [[1, 1, 1, 0], [0, 1, -1, -1]],
  },
  f4: {
    name: 'F(4x4,3x3)', s: 1, m: 4,
    Bt: [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
    G: [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
    At: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
  },
  // Inputs x0..x4 (tile outputs y0 = Σ w·x0..2, y1 = Σ w·x2..4): even phase
  // F(2,2) on x0,x2,x4 with taps w0,w2; odd phase x1·w1, x3·w1.
  p2: {
    name: 'polyphase F(2,2)+direct, stride 2', s: 2, m: 2,
    Bt: [[1, 0, -1, 0, 0], [0, 0, 1, 0, 0], [0, 0, -1, 0, 1], [0, 1, 0, 0, 0], [0, 0, 0, 1, 0]],
    G: [[1, 0, 0], [1, 0, 1], [0, 0, 1], [0, 1, 0], [0, 1, 0]],
    At: [[1, 1, 0, 1, 0], [0, 1, 1, 0, 1]],
  },
  // The same with 4 outputs per tile side: the even phase is F(4,2) (points
  // 0, 1, −1, 2, ∞; 5 products per 4 outputs, its 1/2 and 1/6 moved from Bt
  // into G), the odd phase 4 direct products: 9 instead of 12 in 1-D, 81
  // instead of 144 per 4×4 output tile. Inputs x0..x8.
  p4: {
    name: 'polyphase F(4,2)+direct, stride 2', s: 2, m: 4,
    Bt: [
      [2, 0, -1, 0, -2, 0, 1, 0, 0], [0, 0, 2, 0, 1, 0, -1, 0, 0], [0, 0, -2, 0, 3, 0, -1, 0, 0], [0, 0, -1, 0, 0, 0, 1, 0, 0], [0, 0, 2, 0, -1, 0, -2, 0, 1],
      [0, 1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 1, 0],
    ],
    G: [[0.5, 0, 0], [0.5, 0, 0.5], [1 / 6, 0, -1 / 6], [1 / 6, 0, 1 / 3], [0, 0, 1], [0, 1, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0]],
    At: [[1, 1, 1, 1, 0, 1, 0, 0, 0], [0, 1, -1, 2, 0, 0, 1, 0, 0], [0, 1, 1, 4, 0, 0, 0, 1, 0], [0, 1, -1, 8, 1, 0, 0, 0, 1]],
  },
};

/** Which schemes run (benchmarks flip these for A/B; WINOGRAD=0 in profileStep). */
export const winogradSettings: { enabled: boolean; stride1: 'f2' | 'f4'; stride2: Record<'forward' | 'filter' | 'input', boolean>; stride2Scheme: Record<'forward' | 'filter' | 'input', 'p2' | 'p4'>; stride2InputMinCI: number } = {
  enabled: true, stride1: 'f4', stride2: { forward: true, filter: true, input: true },
  stride2Scheme: { forward: 'p4', filter: 'p4', input: 'p4' }, stride2InputMinCI: 8,
};

/**
 * Floats of V and M (or dM and dV) per chunk: small enough to stay in L2.
 * 96K (384 KB) measured best with the padded a² strides (xiStride), by
 * 5–10% over 48K on the first layer and the 12×12 layer's filter gradient
 * (fewer, longer kernel calls); 64K–192K were within noise of each other.
 */
export const CHUNK_FLOATS = 96 * 1024;
/** The chunk size in use (benchmarks and tests change it). */
export const chunkSettings = { floats: CHUNK_FLOATS };

/**
 * Bytes between the a² blocks of a [a²][Tc][C] buffer (V, M, dM, dV): Tc·C·4
 * rounded up to an odd number of 64-byte lines, so the a² streams a tile
 * transform writes or reads fall in different L1 sets. Addresses 4096 bytes
 * apart share a set: with the plain stride of 6144 bytes, 36 streams shared 2
 * sets of 8 ways and the first layer's filter gradient ran 2× slower.
 */
export function xiStride(Tc: number, C: number): number {
  let lines = Math.ceil((Tc * C * 4) / 64);
  if (lines % 2 === 0) lines++;
  return lines * 64;
}

/** Mᵀ, one object per M (so the transform kernels' keys are looked up, not rebuilt). */
const transposes = new WeakMap<number[][], number[][]>();
const transpose = (M: number[][]): number[][] => {
  let t = transposes.get(M);
  if (t == null) transposes.set(M, (t = M[0].map((_, j) => M.map((row) => row[j]))));
  return t;
};

/** The scheme for this convolution, or null when Winograd does not apply. */
export function winogradScheme(g: ConvGeometry, pass: 'forward' | 'filter' | 'input'): WinogradScheme | null {
  if (!winogradSettings.enabled || g.FH !== 3 || g.FW !== 3 || g.SH !== g.SW || g.CI % 4 !== 0 || g.CO % 8 !== 0) return null;
  if (pass === 'input' && g.CI % 8 !== 0) return null;
  // Stride 2 was off while the a² block streams aliased in L1: in
  // same-process A/B it then saved nothing on the chunk layers. With the
  // padded block stride (xiStride) and 96K chunks it is ahead (interleaved,
  // 7 rounds, median process-CPU ms per camera, load ~2.2; direct / p2 / p4):
  //   48×48×16 → 32  forward 2.94 / 2.54 / 2.61, filter 3.09 / 2.56 / 2.37, input 2.79 / 2.60 / 2.38
  //   24×24×32 → 32  forward 1.54 / 1.23 / 1.28, filter 1.42 / 1.23 / 1.18, input 1.42 / 1.26 / 1.28
  // hence p2 for the forward, p4 for the gradients (p2 where the output sides
  // are not multiples of 4). Since U's a² blocks are padded apart
  // (filterXiStride) p4 is ahead in the forward too (30 interleaved rounds,
  // min/median ms per camera, p2 / p4): 48×48×16 → 32 2.60/2.77 / 2.51/2.71,
  // 24×24×32 → 32 1.22/1.31 / 1.14/1.24; so p4 for all three passes. Reading the image in place (no padded copy) was
  // slower: rows 3072 bytes apart.
  const p2 = winogradSettings.stride2[pass] && (pass !== 'input' || g.CI >= winogradSettings.stride2InputMinCI) ? [WINOGRAD_SCHEMES[winogradSettings.stride2Scheme[pass]], WINOGRAD_SCHEMES.p2] : [];
  const candidates = g.SH === 1 ? [WINOGRAD_SCHEMES[winogradSettings.stride1], WINOGRAD_SCHEMES.f2] : g.SH === 2 ? p2 : [];
  return candidates.find((s) => g.OH % s.m === 0 && g.OW % s.m === 0) ?? null;
}

interface Plan {
  a: number; n: number; m: number; step: number;
  TH: number; TW: number;
  /** Padded input: top/left pad and sides. */
  pt: number; pl: number; Hp: number; Wp: number;
  /** Tile rows per chunk and tiles per chunk. */
  rowsPerChunk: number; Tc: number;
}

function plan(g: ConvGeometry, sch: WinogradScheme): Plan {
  if (sch.s !== g.SH || sch.s !== g.SW || g.OH % sch.m !== 0 || g.OW % sch.m !== 0) {
    throw new Error(`winograd: expected stride ${sch.s} and output sides divisible by ${sch.m} for ${sch.name}, found stride ${g.SH}×${g.SW}, output ${g.OH}×${g.OW}`);
  }
  const a = sch.Bt.length;
  const n = sch.Bt[0].length;
  const { m } = sch;
  const step = m * sch.s;
  const TH = g.OH / m;
  const TW = g.OW / m;
  const lastRow = (TH - 1) * step - g.top + n - 1;
  const lastCol = (TW - 1) * step - g.left + n - 1;
  const Hp = g.top + Math.max(g.H, lastRow + 1);
  const Wp = g.left + Math.max(g.W, lastCol + 1);
  const perRow = TW * a * a * (g.CI + g.CO);
  const rowsPerChunk = Math.max(1, Math.min(g.B * TH, Math.floor(chunkSettings.floats / perRow)));
  return { a, n, m, step, TH, TW, pt: g.top, pl: g.left, Hp, Wp, rowsPerChunk, Tc: rowsPerChunk * TW };
}

const needsPadding = (g: ConvGeometry, p: Plan): boolean => p.pt !== 0 || p.pl !== 0 || p.Hp !== g.H || p.Wp !== g.W;

/** What identifies a padded input buffer: the forward (p2) and filter gradient (p4) of a stride-2 layer pad alike. */
const paddedLayout = (g: ConvGeometry, p: Plan): string => `pad ${g.B},${g.H},${g.W},${g.CI} ${p.pt},${p.pl},${p.Hp},${p.Wp}`;

/** x in a zero-padded [B, Hp, Wp, CI] buffer (only the border is zeroed). */
function padInput(backend: BackendWasm, x: TensorInfo, g: ConvGeometry, p: Plan): TensorInfo {
  const padded = lazyPadInput(backend, x, g, p);
  padded.fillTo(g.B * p.Hp);
  return padded.xp;
}

/**
 * Benchmarks flip this for A/B (profileStep LAZY_PAD=0). On: the forward's
 * zero-padded copy of x is filled chunk by chunk, just before the input
 * transform reads its rows (they are then in cache), instead of whole before
 * the chunk loop. Same values. `poison` (tests): the buffer starts as NaNs.
 */
export const padSettings = { lazy: true, poison: false };

/**
 * A [B, Hp, Wp, CI] buffer for x zero-padded, filled on demand: fillTo(f)
 * makes its rows [0, f) (rows of all images in a row, b·Hp + row) hold x or
 * zeros.
 */
function lazyPadInput(backend: BackendWasm, x: TensorInfo, g: ConvGeometry, p: Plan): { xp: TensorInfo; fillTo: (end: number) => void } {
  const { H, W, CI } = g;
  const { pt, pl, Hp, Wp } = p;
  const xp = allocF32(backend, [g.B, Hp, Wp, CI]);
  const src = floatOffset(backend, x);
  const dst = floatOffset(backend, xp);
  const rowF = Wp * CI;
  if (padSettings.poison) heapF32(backend).fill(NaN, dst, dst + g.B * Hp * rowF);
  const copy = copyRowsKernel(wasmMemory(backend)!);
  const fillTo = lazyRowFill(Hp, (b, r0, r1) => {
    const heap = heapF32(backend);
    const img = dst + b * Hp * rowF;
    // Rows [r0, r1) of image b: top zero rows, rows of x (CI % 4 == 0: rows and borders are whole vectors), bottom zero rows.
    const d0 = Math.max(r0, pt);
    const d1 = Math.min(r1, pt + H);
    if (d1 > d0) {
      heap.fill(0, img + r0 * rowF, img + d0 * rowF);
      copy((src + (b * H + d0 - pt) * W * CI) * 4, (img + d0 * rowF + pl * CI) * 4, d1 - d0, (W * CI) / 4, W * CI * 4, rowF * 4, (pl * CI) / 4, ((Wp - pl - W) * CI) / 4);
      heap.fill(0, img + d1 * rowF, img + r1 * rowF);
    } else heap.fill(0, img + r0 * rowF, img + r1 * rowF);
  });
  return { xp, fillTo };
}

/**
 * Bytes between the a² blocks of U (and dU): CI·CO·4 padded like xiStride.
 * Unpadded, the blocks were 2, 4 or 8 KB apart on the chunk's layers, so the
 * a² output streams of the filter transform shared one L1 set.
 */
export const filterXiStride = (CI: number, CO: number): number => (filterStrideSettings.padded ? xiStride(1, CI * CO) : CI * CO * 4);
/** Benchmarks flip this for A/B (profileStep FILTER_XI=0: the unpadded CI·CO·4). */
export const filterStrideSettings = { padded: true };

/** U packed for the forward product, [a²][CO/8][CI][8] (or, with `transposed`, Uᵀ as [a²][CI/8][CO][8]), the a² blocks filterXiStride apart. */
function transformFilter(backend: BackendWasm, memory: WebAssembly.Memory, filter: TensorInfo, g: ConvGeometry, sch: WinogradScheme, transposed: boolean): TensorInfo {
  const { CI, CO } = g;
  const a = sch.G.length;
  const uXi = filterXiStride(CI, CO);
  const u = allocF32(backend, [(a * a * uXi) / 4]);
  let src = filter;
  // For Uᵀ: transform W with ci and co swapped, [3][3][CO][CI].
  const [rowsC, colsC] = transposed ? [CO, CI] : [CI, CO];
  if (transposed) {
    src = allocF32(backend, [3, 3, CO, CI]);
    const heap = heapF32(backend);
    const w = floatOffset(backend, filter);
    const t = floatOffset(backend, src);
    for (let tap = 0; tap < 9; tap++) {
      const ws = w + tap * CI * CO;
      const ts = t + tap * CI * CO;
      for (let ci = 0; ci < CI; ci++) for (let co = 0; co < CO; co++) heap[ts + co * CI + ci] = heap[ws + ci * CO + co];
    }
  }
  const tap = CI * CO * 4;
  const fT = transformKernel(memory, sch.G, { sRow: 3 * tap, sCol: tap, dRow: a * uXi, dCol: uXi });
  const sB = floatOffset(backend, src) * 4;
  const uB = floatOffset(backend, u) * 4;
  // Per block of 8 output columns: rowsC "tiles" (one per row), 2 vectors each.
  for (let cb = 0; cb < colsC / 8; cb++) fT(sB + cb * 32, uB + cb * rowsC * 32, rowsC, 2, colsC * 4, 32);
  if (transposed) backend.disposeData(src.dataId);
  return u;
}

/**
 * The a² products of a chunk, y[ξ][T, N] = x[ξ][T, K] · Wpacked[ξ] ([N/8][K][8]),
 * through the forward conv kernel as 1×1 convolutions: two calls per chunk
 * (blocks of 3 tiles, then the rest), the blocks ξ apart by xXi, wXi, yXi
 * bytes. Kernels looked up once per convolution.
 */
function productKernel(memory: WebAssembly.Memory, K: number, N: number, a2: number, xXi: number, wXi: number, yXi: number): (xB: number, wB: number, yB: number, T: number) => void {
  const block = convKernel(memory, 3, K * 4, N * 4);
  const single = convKernel(memory, 1, K * 4, N * 4);
  return (xB, wB, yB, T) => {
    const groups = Math.floor(T / 3);
    if (groups > 0) block(xB, 0, wB, 0, K * 32, yB, groups, 1, K, N / 8, a2, xXi, wXi, yXi);
    const rest = T - groups * 3;
    if (rest > 0) single(xB + groups * 3 * K * 4, 0, wB, 0, K * 32, yB + groups * 3 * N * 4, rest, 1, K, N / 8, a2, xXi, wXi, yXi);
  };
}

/** Runs `chunk(r0, R, T)` over the tile rows in chunks; `tileRow(r)` gives image and tile row of flattened row r. */
function forChunks(g: ConvGeometry, p: Plan, chunk: (r0: number, R: number, T: number) => void): void {
  const rows = g.B * p.TH;
  for (let r0 = 0; r0 < rows; r0 += p.rowsPerChunk) {
    const R = Math.min(p.rowsPerChunk, rows - r0);
    chunk(r0, R, R * p.TW);
  }
}

/**
 * The forward convolution. With `keepPadded` (a training forward) the padded
 * input is kept for this input's filter gradient (paddedInputCache.ts)
 * instead of freed. With `bias` ([CO]) the output transform stores
 * relu(conv + bias) (convBiasReluWasm.ts's add and max, in registers).
 * `inputRows(end)` is called before x's rows [0, end) (over all images, b·H +
 * row) are read: before each chunk with the rows it reads, or once with all
 * when x is copied into a padded buffer. For an x filled on demand (the
 * space-to-depth image).
 */
export function conv2dViaWinograd(x: TensorInfo, filter: TensorInfo, g: ConvGeometry, backend: BackendWasm, sch: WinogradScheme, keepPadded = false, bias?: TensorInfo, inputRows?: (end: number) => void): TensorInfo {
  const memory = wasmMemory(backend)!;
  const p = plan(g, sch);
  const { CI, CO, OH, OW } = g;
  const { a, m, TH, TW, Tc } = p;
  // A padded copy reads all of x.
  if (needsPadding(g, p)) inputRows?.(g.B * g.H);
  const lazyPad = needsPadding(g, p) ? (padSettings.lazy ? lazyPadInput(backend, x, g, p) : { xp: padInput(backend, x, g, p), fillTo: null }) : null;
  const xp = lazyPad?.xp ?? x;
  const u = transformFilter(backend, memory, filter, g, sch, false);
  const vXi = xiStride(Tc, CI);
  const mXi = xiStride(Tc, CO);
  const v = allocF32(backend, [(a * a * vXi) / 4]);
  const mm = allocF32(backend, [(a * a * mXi) / 4]);
  const y = allocF32(backend, [g.B, OH, OW, CO]);
  const [xB, uB, vB, mB, yB] = [xp, u, v, mm, y].map((t) => floatOffset(backend, t) * 4);
  const xTransform = xTransformKernel(memory, g, p, sch);
  const outT = transformKernel(memory, sch.At, { sRow: a * mXi, sCol: mXi, dRow: OW * CO * 4, dCol: CO * 4, spentSource: true, ...(bias != null ? { biasRelu: true } : {}) });
  const biasB = bias != null ? floatOffset(backend, bias) * 4 : 0;
  const product = productKernel(memory, CI, CO, a * a, vXi, filterXiStride(CI, CO), mXi);
  forChunks(g, p, (r0, R, T) => {
    // The (padded) input rows this chunk's tiles read: up to the last tile row's last input row.
    const last = r0 + R - 1;
    const end = Math.floor(last / TH) * p.Hp + (last % TH) * p.step + p.n;
    if (lazyPad != null) lazyPad.fillTo?.(end);
    else inputRows?.(end);
    xTransform(xB, vB, r0, R);
    product(vB, uB, mB, T);
    for (let r = 0; r < R; r++) {
      const b = Math.floor((r0 + r) / TH);
      const ty = (r0 + r) % TH;
      outT(mB + r * TW * CO * 4, yB + (b * OH + ty * m) * OW * CO * 4, TW, CO / 4, CO * 4, m * CO * 4, biasB);
    }
  });
  for (const t of [u, v, mm]) backend.disposeData(t.dataId);
  // The rows no tile reached (the kept copy is whole).
  lazyPad?.fillTo?.(g.B * p.Hp);
  if (xp !== x) {
    if (keepPadded) keepPaddedInput(backend, x, paddedLayout(g, p), xp);
    else backend.disposeData(xp.dataId);
  }
  return y;
}

/** V = Bt·x·B for a chunk's tile rows (r0, R) of the (padded) input, into [a²][Tc][CI]; the kernel looked up once per convolution. */
function xTransformKernel(memory: WebAssembly.Memory, g: ConvGeometry, p: Plan, sch: WinogradScheme): (xB: number, vB: number, r0: number, R: number) => void {
  const { CI } = g;
  const vXi = xiStride(p.Tc, CI);
  const inT = transformKernel(memory, sch.Bt, { sRow: p.Wp * CI * 4, sCol: CI * 4, dRow: p.a * vXi, dCol: vXi });
  return (xB, vB, r0, R) => {
    for (let r = 0; r < R; r++) {
      const b = Math.floor((r0 + r) / p.TH);
      const ty = (r0 + r) % p.TH;
      inT(xB + (b * p.Hp + ty * p.step) * p.Wp * CI * 4, vB + r * p.TW * CI * 4, p.TW, CI / 4, p.step * CI * 4, CI * 4);
    }
  };
}

/** dM = Atᵀ·dy·At for a chunk's tile rows (r0, R), into [a²][Tc][CO]; the kernel looked up once per convolution. */
function dyTransformKernel(memory: WebAssembly.Memory, g: ConvGeometry, p: Plan, sch: WinogradScheme): (dyB: number, dmB: number, r0: number, R: number) => void {
  const { CO, OH, OW } = g;
  const mXi = xiStride(p.Tc, CO);
  const dT = transformKernel(memory, transpose(sch.At), { sRow: OW * CO * 4, sCol: CO * 4, dRow: p.a * mXi, dCol: mXi });
  return (dyB, dmB, r0, R) => {
    for (let r = 0; r < R; r++) {
      const b = Math.floor((r0 + r) / p.TH);
      const ty = (r0 + r) % p.TH;
      dT(dyB + (b * OH + ty * p.m) * OW * CO * 4, dmB + r * p.TW * CO * 4, p.TW, CO / 4, p.m * CO * 4, CO * 4);
    }
  };
}

/**
 * With this, the gradient passes take dy as the gradient of a relu layer's
 * output y (convBiasReluOp.ts): they use dz = dy·(y > 0) and add Σ dz (the
 * bias gradient) to `db` ([CO], zeroed by the caller). dz is made chunk by
 * chunk, just before the dy transform reads its rows, in a buffer of one
 * chunk's rows (so it is in cache, and never a whole tensor), by the same
 * SIMD pass as the ReluBiasGrad kernel over the same rows in the same order:
 * dz, db and the gradients are bit for bit those of that kernel's dz.
 */
export interface ReluGrad {
  y: TensorInfo;
  db: TensorInfo;
  /** The pass (convBiasReluWasm.ts reluBiasGradPass): dz = dy·(y > 0), db += Σ dz over `rows` rows of `vecs` vectors; byte addresses. */
  pass: (dy: number, y: number, dz: number, db: number, rows: number, vecs: number) => void;
}

/**
 * The filter gradient over one pass of tile chunks, for filterGradViaWinograd
 * and gradsViaWinograd: per chunk, V of x (into `vB`), dM = Atᵀ·dy·At (into
 * `dmB`) and dU += Σ Vᵀ·dM; `finish` writes dW = Gᵀ·dU·G into `dw` and frees
 * the pass's buffers. Uses the training forward's padded copy of x when it
 * kept one.
 */
function filterGradPass(x: TensorInfo, dy: TensorInfo, g: ConvGeometry, backend: BackendWasm, sch: WinogradScheme, p: Plan, relu?: ReluGrad) {
  const memory = wasmMemory(backend)!;
  const { CI, CO } = g;
  const { a, Tc } = p;
  const xp = needsPadding(g, p) ? takePaddedInput(backend, x, paddedLayout(g, p)) ?? padInput(backend, x, g, p) : x;
  const duXi = filterXiStride(CI, CO);
  const du = zeros(backend, [(a * a * duXi) / 4]);
  const vXi = xiStride(Tc, CI);
  const mXi = xiStride(Tc, CO);
  const v = allocF32(backend, [(a * a * vXi) / 4]);
  const dm = allocF32(backend, [(a * a * mXi) / 4]);
  const [xB, dyB, duB, vB, dmB] = [xp, dy, du, v, dm].map((t) => floatOffset(backend, t) * 4);
  const xTransform = xTransformKernel(memory, g, p, sch);
  const dyTransform = dyTransformKernel(memory, g, p, sch);
  const fg = gradKernels(memory).filterGradRows[3];
  // With relu: dz of a chunk's tile rows, dy rows [r0·m, (r0 + R)·m) (tile rows run on across images: OH = TH·m).
  const dzRows = relu != null ? allocF32(backend, [p.rowsPerChunk * p.m * g.OW * CO]) : null;
  const reluPass = relu?.pass ?? null;
  const [dzB, yB, dbB] = relu != null ? [dzRows!, relu.y, relu.db].map((t) => floatOffset(backend, t) * 4) : [0, 0, 0];
  const tileRowBytes = p.m * g.OW * CO * 4;
  return {
    vB,
    dmB,
    vXi,
    mXi,
    chunk(r0: number, R: number, T: number): void {
      xTransform(xB, vB, r0, R);
      if (reluPass != null) {
        reluPass(dyB + r0 * tileRowBytes, yB + r0 * tileRowBytes, dzB, dbB, R * p.m * g.OW, CO / 4);
        // The dy transform addresses row r0·m of dy at dzB.
        dyTransform(dzB - r0 * tileRowBytes, dmB, r0, R);
      } else dyTransform(dyB, dmB, r0, R);
      fg(vB, CI * 4, 0, dmB, CO * 4, 0, T, 1, duB, CO * 4, CI / 4, CO / 8, a * a, vXi, mXi, duXi);
    },
    finish(dw: TensorInfo): void {
      const tap = CI * CO * 4;
      transformKernel(memory, transpose(sch.G), { sRow: a * duXi, sCol: duXi, dRow: 3 * tap, dCol: tap, spentSource: true })(duB, floatOffset(backend, dw) * 4, 1, CI * CO / 4, 0, 0);
      for (const t of [du, v, dm]) backend.disposeData(t.dataId);
      if (dzRows != null) backend.disposeData(dzRows.dataId);
      if (xp !== x) backend.disposeData(xp.dataId);
    },
  };
}

/** The filter gradient; with `relu`, of the relu layer whose output gradient is dy (see ReluGrad). */
export function filterGradViaWinograd(x: TensorInfo, dy: TensorInfo, g: ConvGeometry, backend: BackendWasm, sch: WinogradScheme, relu?: ReluGrad): TensorInfo {
  const p = plan(g, sch);
  const pass = filterGradPass(x, dy, g, backend, sch, p, relu);
  const out = allocF32(backend, [3, 3, g.CI, g.CO]);
  forChunks(g, p, (r0, R, T) => pass.chunk(r0, R, T));
  pass.finish(out);
  return out;
}

/**
 * Benchmarks flip these for A/B. clipTiles (profileStep CLIP_TILES=0): on,
 * the input gradient's tiles accumulate straight into dx, border tiles
 * through transforms that drop their outputs outside the image; off, into a
 * zero-padded buffer, copied out afterwards. lazyZero (LAZY_ZERO=0): the
 * buffer's rows are zeroed chunk by chunk just before the first tile row that
 * reaches them (so they are in cache when the tiles add to them), instead of
 * the whole buffer up front (4.7 MB per camera for the 48×48×16 layer). Same
 * sums in the same order. `poison` (tests): the buffer starts as NaNs, so a
 * row left unzeroed shows.
 */
export const inputGradSettings = { clipTiles: true, lazyZero: true, poison: false };

/**
 * The input gradient's back transform and its placement: dx += Btᵀ·dV·Bt per
 * tile, into `out` ([B, OHb, OWb, CI]: dx itself when clipping border tiles,
 * else the zero-padded buffer), in tile order. Kernels looked up once per
 * convolution; returns the per-chunk placement.
 */
function backTransformKernel(memory: WebAssembly.Memory, g: ConvGeometry, p: Plan, sch: WinogradScheme, clip: boolean): {
  OHb: number; OWb: number;
  place: (dvB: number, outB: number, r0: number, R: number, zeroRows?: ZeroRows) => void;
  finish: (zeroRows?: ZeroRows) => void;
} {
  const { CI } = g;
  const { step, TH, TW } = p;
  const { OHb, OWb, oT, oL, runs, rowPlans } = backTransformPlan(memory, g, p, sch, clip);
  // With zeroRows: out's rows [0, zeroed) are zeroed; a tile row zeroes the rows up to its last before adding to them.
  let zeroed = 0;
  const place = (dvB: number, outB: number, r0: number, R: number, zeroRows?: ZeroRows): void => {
    for (let r = 0; r < R; r++) {
      const b = Math.floor((r0 + r) / TH);
      const ty = (r0 + r) % TH;
      const { i0, i1, kernels } = rowPlans[ty];
      const row = b * OHb + ty * step - oT + i0;
      if (zeroRows != null && row + i1 - i0 > zeroed) {
        zeroRows(zeroed, row + i1 - i0);
        zeroed = row + i1 - i0;
      }
      for (let k = 0; k < kernels.length; k++) {
        const run = runs[k];
        const kernel = kernels[k];
        if (kernel == null) continue;
        kernel(dvB + (r * TW + run.tx0) * CI * 4, outB + (row * OWb + run.tx0 * step - oL + run.j0) * CI * 4, run.count, CI / 4, CI * 4, step * CI * 4);
      }
    }
  };
  // Rows no tile reaches stay zero.
  const finish = (zeroRows?: ZeroRows): void => {
    if (zeroRows != null && zeroed < g.B * OHb) zeroRows(zeroed, g.B * OHb);
  };
  return { OHb, OWb, place, finish };
}

interface BackTransformPlan {
  /** Sides of the buffer the tiles add to, and where tile (0, 0)'s first output lies in it. */
  OHb: number; OWb: number; oT: number; oL: number;
  /** Along a tile row: runs of consecutive tiles with the same column window (first, interior, last). */
  runs: { tx0: number; count: number; j0: number; j1: number }[];
  /** Per tile row ty: its row window and the back transform of each run (null: no output inside). */
  rowPlans: { i0: number; i1: number; kernels: (Transform | null)[] }[];
}

/**
 * The placement of the back transform's tiles and their kernels, kept per
 * memory and layout: building it (a kernel lookup per tile row and run, each
 * with its key string) took ~60 µs per call, ~0.35 ms per chunk step.
 */
const backPlans = new WeakMap<WebAssembly.Memory, Map<string, BackTransformPlan>>();

function backTransformPlan(memory: WebAssembly.Memory, g: ConvGeometry, p: Plan, sch: WinogradScheme, clip: boolean): BackTransformPlan {
  const { H, W, CI } = g;
  const { a, step, TH, TW, Hp, Wp, pt, pl } = p;
  const key = `${sch.name}|${H},${W},${CI}|${a},${step},${TH},${TW},${Hp},${Wp},${pt},${pl},${p.Tc}|${clip}|${transformSettings.factored},${transformSettings.staged},${transformSettings.copyColumns}`;
  let perMemory = backPlans.get(memory);
  if (perMemory == null) backPlans.set(memory, (perMemory = new Map()));
  const known = perMemory.get(key);
  if (known != null) return known;
  const n = sch.Bt[0].length;
  const vXi = xiStride(p.Tc, CI);
  const [OHb, OWb, oT, oL] = clip ? [H, W, pt, pl] : [Hp, Wp, 0, 0];
  // Tile t's outputs t·step − off + i, i ∈ [0, n), that fall inside [0, size).
  const window = (t: number, off: number, size: number): [number, number] => [Math.max(0, off - t * step), Math.min(n, size + off - t * step)];
  const runs: BackTransformPlan['runs'] = [];
  for (let tx = 0; tx < TW; tx++) {
    const [j0, j1] = window(tx, oL, OWb);
    const last = runs[runs.length - 1];
    if (last != null && last.j0 === j0 && last.j1 === j1) last.count++;
    else runs.push({ tx0: tx, count: 1, j0, j1 });
  }
  const BtT = transpose(sch.Bt);
  const backT = (i0: number, i1: number, j0: number, j1: number): Transform => transformKernel(memory, BtT, {
    sRow: a * vXi, sCol: vXi, dRow: OWb * CI * 4, dCol: CI * 4, spentSource: true,
    ...(i0 === 0 && i1 === n && j0 === 0 && j1 === n ? {} : { out: { i0, i1, j0, j1 } }),
  }, true);
  const rowPlans = Array.from({ length: TH }, (_, ty) => {
    const [i0, i1] = window(ty, oT, OHb);
    return { i0, i1: Math.max(i0, i1), kernels: i1 > i0 ? runs.map((u) => (u.j1 > u.j0 ? backT(i0, i1, u.j0, u.j1) : null)) : [] };
  });
  const plan = { OHb, OWb, oT, oL, runs, rowPlans };
  perMemory.set(key, plan);
  return plan;
}

/** Zeroes rows [row0, row1) of the input gradient's buffer (rows of all images in a row). */
type ZeroRows = (row0: number, row1: number) => void;

/** The buffer the input gradient's tiles add to, [B, OHb, OWb, CI]: zeroed, or (lazyZero) not yet, with the callback that zeroes its rows. */
function inputGradBuffer(backend: BackendWasm, g: ConvGeometry, OHb: number, OWb: number): { out: TensorInfo; zeroRows?: ZeroRows } {
  if (!inputGradSettings.lazyZero) return { out: zeros(backend, [g.B, OHb, OWb, g.CI]) };
  const out = allocF32(backend, [g.B, OHb, OWb, g.CI]);
  const at = floatOffset(backend, out);
  const rowF = OWb * g.CI;
  if (inputGradSettings.poison) heapF32(backend).fill(NaN, at, at + g.B * OHb * rowF);
  return { out, zeroRows: (row0, row1) => heapF32(backend).fill(0, at + row0 * rowF, at + row1 * rowF) };
}

/** dx from the buffer the tiles accumulated into: itself, or copied out of the padded one (which is freed). */
function finishInputGrad(backend: BackendWasm, memory: WebAssembly.Memory, out: TensorInfo, g: ConvGeometry, p: Plan, padded: boolean, clip: boolean): TensorInfo {
  if (!padded || clip) return out;
  const { B, H, W, CI } = g;
  const { Hp, Wp, pt, pl } = p;
  const dx = allocF32(backend, [B, H, W, CI]);
  const d = floatOffset(backend, dx);
  const s = floatOffset(backend, out);
  const copy = copyRowsKernel(memory);
  for (let b = 0; b < B; b++) copy((s + ((b * Hp + pt) * Wp + pl) * CI) * 4, (d + b * H * W * CI) * 4, H, (W * CI) / 4, Wp * CI * 4, W * CI * 4, 0, 0);
  backend.disposeData(out.dataId);
  return dx;
}

/** A zeroed float32 buffer. */
function zeros(backend: BackendWasm, shape: number[]): TensorInfo {
  const t = allocF32(backend, shape);
  const o = floatOffset(backend, t);
  heapF32(backend).fill(0, o, o + shape.reduce((u, v) => u * v, 1));
  return t;
}

export function inputGradViaWinograd(dy: TensorInfo, filter: TensorInfo, g: ConvGeometry, backend: BackendWasm, sch: WinogradScheme): TensorInfo {
  const memory = wasmMemory(backend)!;
  const p = plan(g, sch);
  const { B, CI, CO } = g;
  const { a, Tc } = p;
  const padded = needsPadding(g, p);
  const clip = padded && inputGradSettings.clipTiles;
  const ut = transformFilter(backend, memory, filter, g, sch, true);
  const vXi = xiStride(Tc, CI);
  const mXi = xiStride(Tc, CO);
  const dm = allocF32(backend, [(a * a * mXi) / 4]);
  const dv = allocF32(backend, [(a * a * vXi) / 4]);
  const back = backTransformKernel(memory, g, p, sch, clip);
  const { out, zeroRows } = inputGradBuffer(backend, g, back.OHb, back.OWb);
  const [dyB, utB, dmB, dvB, outB] = [dy, ut, dm, dv, out].map((t) => floatOffset(backend, t) * 4);
  const dyTransform = dyTransformKernel(memory, g, p, sch);
  const product = productKernel(memory, CO, CI, a * a, mXi, filterXiStride(CI, CO), vXi);
  forChunks(g, p, (r0, R, T) => {
    dyTransform(dyB, dmB, r0, R);
    product(dmB, utB, dvB, T);
    back.place(dvB, outB, r0, R, zeroRows);
  });
  back.finish(zeroRows);
  for (const t of [ut, dm, dv]) backend.disposeData(t.dataId);
  return finishInputGrad(backend, memory, out, g, p, padded, clip);
}

/** Whether gradsViaWinograd applies: filter and input gradient take the same scheme (so the same dM). */
export function sharedGradScheme(g: ConvGeometry): WinogradScheme | null {
  const f = winogradScheme(g, 'filter');
  return f != null && f === winogradScheme(g, 'input') ? f : null;
}

/**
 * The filter and the input gradient in one pass over the tile chunks: the dy
 * transform dM = Atᵀ·dy·At runs once per chunk for both (the separate passes
 * each ran it). Per chunk: V of x and dU += Σ Vᵀ·dM as filterGradViaWinograd,
 * then dV = dM·Uᵀ (into V's buffer) and dx += Btᵀ·dV·Bt as
 * inputGradViaWinograd: the same sums in the same order.
 */
export function gradsViaWinograd(x: TensorInfo, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry, backend: BackendWasm, sch: WinogradScheme, relu?: ReluGrad): { dx: TensorInfo; dw: TensorInfo } {
  const memory = wasmMemory(backend)!;
  const p = plan(g, sch);
  const { B, CI, CO } = g;
  const padded = needsPadding(g, p);
  const clip = padded && inputGradSettings.clipTiles;
  const pass = filterGradPass(x, dy, g, backend, sch, p, relu);
  const ut = transformFilter(backend, memory, filter, g, sch, true);
  const dw = allocF32(backend, [3, 3, CI, CO]);
  const back = backTransformKernel(memory, g, p, sch, clip);
  const { out, zeroRows } = inputGradBuffer(backend, g, back.OHb, back.OWb);
  const [utB, outB] = [ut, out].map((t) => floatOffset(backend, t) * 4);
  const product = productKernel(memory, CO, CI, p.a * p.a, pass.mXi, filterXiStride(CI, CO), pass.vXi);
  forChunks(g, p, (r0, R, T) => {
    pass.chunk(r0, R, T);
    // dV = dM·Uᵀ into V's buffer (V is spent), then dx += Btᵀ·dV·Bt.
    product(pass.dmB, utB, pass.vB, T);
    back.place(pass.vB, outB, r0, R, zeroRows);
  });
  back.finish(zeroRows);
  pass.finish(dw);
  backend.disposeData(ut.dataId);
  return { dx: finishInputGrad(backend, memory, out, g, p, padded, clip), dw };
}
