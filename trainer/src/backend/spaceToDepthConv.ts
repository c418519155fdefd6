// The chunk encoder's first layer (5×5, stride 2, 'same', 3 input channels)
// as a stride-1 3×3 convolution on a space-to-depth image, so it can take the
// Winograd F(4×4,3×3) path (winogradConv.ts) in forward and filter gradient.
//
// Output pixel oh reads input rows 2·oh − 1 … 2·oh + 3 (top pad 1). With row
// pairs R = ⌊row/2⌋ and phase row % 2 that is pair oh − 1 (phase 1), oh and
// oh + 1 (both phases): a 3×3 filter over pairs, with the phase in the
// channels. So with
//
//   xs[b][R][C][(pr·2 + pc)·CI + c] = x[b][2R + pr][2C + pc][c]       [B, H/2, W/2, 4·CI]
//   Ws[dr][dc][(pr·2 + pc)·CI + c][co] = W[2dr + pr − 1][2dc + pc − 1][c][co]   (0 outside 0…4)
//
// conv(x, W, stride 2, pad 1) = conv(xs, Ws, stride 1, pad 1): 108 taps
// instead of 75 (the kh = −1 / kw = −1 phases are zero), but Winograd's 4×
// fewer multiplies make that 27 per output and channel pair. The filter
// gradient is the same problem's, folded back (the zero taps dropped).
//
// xs is built with its 1-pixel zero border (what the Winograd code would
// otherwise pad), in one pass: per s2d pixel, 2·CI floats of input row 2R then
// 2·CI of row 2R + 1 (contiguous in x). Applies when FH = FW = 5, stride 2,
// even H, W with OH = H/2, OW = W/2, pad top = left = 1, CO % 8 == 0 and the
// output sides divisible by a stride-1 Winograd tile.
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { add, countdown, get, I32, i32c, section, set, str, uleb, v128Load, v128Store, vec } from './wasmAsm.ts';
import { keepPaddedInput, takePaddedInput } from './paddedInputCache.ts';
import { copyRowsKernel } from './rowCopySimd.ts';
import { allocF32, floatOffset, heapF32, lazyRowFill, wasmMemory } from './wasmHeap.ts';
import type { ConvGeometry } from './wasmHeap.ts';
import { conv2dViaWinograd, filterGradViaWinograd, winogradScheme } from './winogradConv.ts';
import type { ReluGrad, WinogradScheme } from './winogradConv.ts';

/**
 * Benchmarks flip these for A/B: enabled (profileStep S2D=0); lazy (LAZY_S2D=0):
 * the forward fills the space-to-depth image chunk by chunk, just before the
 * input transform reads its rows, instead of whole up front. `poison` (tests):
 * the image starts as NaNs.
 */
export const spaceToDepthSettings = { enabled: true, lazy: true, poison: false };

/** The stride-1 3×3 geometry on the padded space-to-depth image, and its Winograd scheme; null when this does not apply. */
export function spaceToDepthPlan(g: ConvGeometry, pass: 'forward' | 'filter'): { gs: ConvGeometry; sch: WinogradScheme } | null {
  if (!spaceToDepthSettings.enabled) return null;
  const { B, H, W, CI, OH, OW, CO } = g;
  if (g.FH !== 5 || g.FW !== 5 || g.SH !== 2 || g.SW !== 2 || g.top !== 1 || g.left !== 1) return null;
  if (H % 2 !== 0 || W % 2 !== 0 || OH !== H / 2 || OW !== W / 2) return null;
  // Pre-padded by 1 on every side, so a 'valid' 3×3 convolution.
  const gs: ConvGeometry = { B, H: OH + 2, W: OW + 2, CI: 4 * CI, OH, OW, CO, FH: 3, FW: 3, SH: 1, SW: 1, top: 0, left: 0 };
  const sch = winogradScheme(gs, pass);
  return sch == null ? null : { gs, sch };
}

// s2dRow(s0, s1, d, n): n times { copy `bytes` from s0 to d and from s1 to d + bytes; s0, s1 += bytes; d += 2·bytes }.
// A JS loop took ~1 ms per camera for the 96×96×3 batch; this ~5× less.
const S = { s0: 0, s1: 1, d: 2, n: 3, k: 4 };
const i64Load = (offset: number): number[] => [0x29, 0x03, ...uleb(offset)];
const i64Store = (offset: number): number[] => [0x37, 0x03, ...uleb(offset)];
const i32Load = (offset: number): number[] => [0x28, 0x02, ...uleb(offset)];
const i32Store = (offset: number): number[] => [0x36, 0x02, ...uleb(offset)];

function rowModule(bytes: number): Uint8Array<ArrayBuffer> {
  const move = (from: number, toOffset: number): number[] => {
    const out: number[] = [];
    for (let o = 0; o < bytes;) {
      const [load, store, size] = bytes - o >= 16 ? [v128Load, v128Store, 16] : bytes - o >= 8 ? [i64Load, i64Store, 8] : [i32Load, i32Store, 4];
      out.push(...get(S.d), ...get(from), ...load(o), ...store(toOffset + o));
      o += size;
    }
    return out;
  };
  const pixel = [
    ...move(S.s0, 0), ...move(S.s1, bytes),
    ...get(S.s0), ...i32c(bytes), ...add, ...set(S.s0), ...get(S.s1), ...i32c(bytes), ...add, ...set(S.s1), ...get(S.d), ...i32c(2 * bytes), ...add, ...set(S.d),
  ];
  const type = section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([])]]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str('s2dRow'), 0x00, ...uleb(0)]]));
  const body = [...vec([[...uleb(1), I32]]), ...countdown(S.k, get(S.n), pixel), 0x0b];
  const code = section(10, vec([[...uleb(body.length), ...body]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

type S2dRow = (s0: number, s1: number, d: number, n: number) => void;
const rowModules = new Map<number, WebAssembly.Module>();
const rowInstances = new WeakMap<WebAssembly.Memory, Map<number, S2dRow>>();

function rowKernel(memory: WebAssembly.Memory, bytes: number): S2dRow {
  let perMemory = rowInstances.get(memory);
  if (perMemory == null) rowInstances.set(memory, (perMemory = new Map()));
  let k = perMemory.get(bytes);
  if (k == null) {
    let module = rowModules.get(bytes);
    if (module == null) rowModules.set(bytes, (module = new WebAssembly.Module(rowModule(bytes))));
    k = new WebAssembly.Instance(module, { env: { memory } }).exports.s2dRow as S2dRow;
    perMemory.set(bytes, k);
  }
  return k;
}

/** x [B, H, W, CI] → the zero-bordered space-to-depth image [B, H/2 + 2, W/2 + 2, 4·CI]. */
export function spaceToDepth(backend: BackendWasm, x: TensorInfo, g: ConvGeometry): TensorInfo {
  const image = lazySpaceToDepth(backend, x, g);
  image.fillTo(g.B * (g.H / 2 + 2));
  return image.xs;
}

/**
 * The space-to-depth image's buffer, filled on demand: fillTo(f) makes its
 * rows [0, f) (rows of all images in a row, b·(H/2 + 2) + row) hold their values.
 */
function lazySpaceToDepth(backend: BackendWasm, x: TensorInfo, g: ConvGeometry): { xs: TensorInfo; fillTo: (end: number) => void } {
  const { B, H, W, CI } = g;
  const Hs = H / 2 + 2;
  const Ws = W / 2 + 2;
  const C4 = 4 * CI;
  const C2 = 2 * CI;
  const xs = allocF32(backend, [B, Hs, Ws, C4]);
  const memory = wasmMemory(backend)!;
  const row = rowKernel(memory, C2 * 4);
  const borders = copyRowsKernel(memory);
  const src = floatOffset(backend, x);
  const dst = floatOffset(backend, xs);
  const rowF = Ws * C4;
  const inRow = W * CI;
  if (spaceToDepthSettings.poison) heapF32(backend).fill(NaN, dst, dst + B * Hs * rowF);
  const fillTo = lazyRowFill(Hs, (b, r0, r1) => {
    const heap = heapF32(backend);
    const img = dst + b * Hs * rowF;
    if (r0 === 0) heap.fill(0, img, img + rowF);
    if (r1 === Hs) heap.fill(0, img + (Hs - 1) * rowF, img + Hs * rowF);
    // Inner rows [i0, i1): their left and right border pixels (C4 floats: whole vectors), then their pixels.
    const i0 = Math.max(r0, 1);
    const i1 = Math.min(r1, Hs - 1);
    if (i1 > i0) {
      borders(0, (img + i0 * rowF + C4) * 4, i1 - i0, 0, 0, rowF * 4, C4 / 4, 0);
      borders(0, (img + i0 * rowF + (Ws - 1) * C4) * 4, i1 - i0, 0, 0, rowF * 4, 0, C4 / 4);
      for (let i = i0; i < i1; i++) {
        const s0 = src + (b * H + 2 * (i - 1)) * inRow;
        row(s0 * 4, (s0 + inRow) * 4, (img + i * rowF + C4) * 4, W / 2);
      }
    }
  });
  return { xs, fillTo };
}

/** W [5, 5, CI, CO] → Ws [3, 3, 4·CI, CO] (see above). */
function filterToS2d(backend: BackendWasm, filter: TensorInfo, g: ConvGeometry): TensorInfo {
  const { CI, CO } = g;
  const ws = allocF32(backend, [3, 3, 4 * CI, CO]);
  const heap = heapF32(backend);
  const w = floatOffset(backend, filter);
  const d = floatOffset(backend, ws);
  heap.fill(0, d, d + 9 * 4 * CI * CO);
  for (let kh = 0; kh < 5; kh++) {
    for (let kw = 0; kw < 5; kw++) {
      const [dr, pr, dc, pc] = [(kh + 1) >> 1, (kh + 1) & 1, (kw + 1) >> 1, (kw + 1) & 1];
      const to = d + ((dr * 3 + dc) * 4 * CI + (pr * 2 + pc) * CI) * CO;
      const from = w + (kh * 5 + kw) * CI * CO;
      heap.copyWithin(to, from, from + CI * CO);
    }
  }
  return ws;
}

/** What identifies x's space-to-depth image in paddedInputCache.ts. */
const s2dLayout = (g: ConvGeometry): string => `s2d ${g.B},${g.H},${g.W},${g.CI}`;

/**
 * The forward; with `keepImage` (a training forward) the space-to-depth image
 * is kept for x's filter gradient (paddedInputCache.ts); with `bias`, y is
 * relu(conv + bias) (conv2dViaWinograd).
 */
export function conv2dViaSpaceToDepth(x: TensorInfo, filter: TensorInfo, g: ConvGeometry, backend: BackendWasm, gs: ConvGeometry, sch: WinogradScheme, keepImage = false, bias?: TensorInfo): TensorInfo {
  // Filled as the chunks reach its rows (lazy), then whole (it may be kept).
  const image = spaceToDepthSettings.lazy ? lazySpaceToDepth(backend, x, g) : { xs: spaceToDepth(backend, x, g), fillTo: undefined };
  const xs = image.xs;
  const ws = filterToS2d(backend, filter, g);
  const y = conv2dViaWinograd(xs, ws, gs, backend, sch, false, bias, image.fillTo);
  image.fillTo?.(gs.B * gs.H);
  if (keepImage) keepPaddedInput(backend, x, s2dLayout(g), xs);
  else backend.disposeData(xs.dataId);
  backend.disposeData(ws.dataId);
  return y;
}

/** The filter gradient; with `relu`, of the relu layer whose output gradient is dy (winogradConv.ts ReluGrad). */
export function filterGradViaSpaceToDepth(x: TensorInfo, dy: TensorInfo, g: ConvGeometry, backend: BackendWasm, gs: ConvGeometry, sch: WinogradScheme, relu?: ReluGrad): TensorInfo {
  const { CI, CO } = g;
  const xs = takePaddedInput(backend, x, s2dLayout(g)) ?? spaceToDepth(backend, x, g);
  const dws = filterGradViaWinograd(xs, dy, gs, backend, sch, relu);
  backend.disposeData(xs.dataId);
  const dw = allocF32(backend, [5, 5, CI, CO]);
  const heap = heapF32(backend);
  const s = floatOffset(backend, dws);
  const d = floatOffset(backend, dw);
  for (let kh = 0; kh < 5; kh++) {
    for (let kw = 0; kw < 5; kw++) {
      const [dr, pr, dc, pc] = [(kh + 1) >> 1, (kh + 1) & 1, (kw + 1) >> 1, (kw + 1) & 1];
      const from = s + ((dr * 3 + dc) * 4 * CI + (pr * 2 + pc) * CI) * CO;
      heap.copyWithin(d + (kh * 5 + kw) * CI * CO, from, from + CI * CO);
    }
  }
  backend.disposeData(dws.dataId);
  return dw;
}
