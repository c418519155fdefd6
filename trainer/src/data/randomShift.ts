// Random-shift augmentation (DrQ; used by Diffusion Policy): pad the image by
// `pad` pixels replicating the border, then crop back to the original size at
// a random offset, without a padded intermediate. Output is float RGB in [0, 1].
//
// Each output row reads one (clamped) source row: its interior is a contiguous
// run of source bytes, and only the ≤ |dx| columns past the left or right edge
// repeat the edge pixel. The main path (shiftedFrameWasm) shifts the bytes
// inside a small wasm kernel's memory with copyWithin per row, converts the
// whole frame with SIMD (u8ToF32Simd.ts), and copies the floats out once:
// ~0.5 ms instead of ~1.7 ms for a chunk batch (32 × 2 cameras of 96×96×3).
// Per-element JS loops stay at ~1 ns/element in V8 (typed-array bounds and
// base reloads), hence the kernel; shiftedFrameJs is the fallback without
// wasm SIMD. Both are bit-identical to the per-pixel clamped-index formula
// `out = frames[clamped] / 255` (randomShift.test.ts).

import { u8ToF32Kernel } from './u8ToF32Simd.ts';
import type { U8ToF32 } from './u8ToF32Simd.ts';

/** LUT[v] = v / 255 rounded to float32, as `out[o] = v / 255` would store. */
const LUT = new Float32Array(256);
for (let v = 0; v < 256; v++) LUT[v] = v / 255;

/** out[o .. o + n) = lut[src[s .. s + n)]; a separate small function keeps V8's loop tight. */
function toFloats(src: Uint8Array, s: number, out: Float32Array, o: number, n: number, lut: Float32Array): void {
  const d = s - o;
  for (let k = o, e = o + n; k < e; k++) out[k] = lut[src[k + d]];
}

/**
 * Copies frame `frame` of `frames` (N×H×W×3 bytes) into `out` at `outOffset`
 * as floats in [0, 1], shifted by (dx, dy) with edge replication: output pixel
 * (i, j) is source pixel (clamp(i + dy, 0, h − 1), clamp(j + dx, 0, w − 1)).
 */
export function shiftedFrame(
  frames: Uint8Array, frame: number, h: number, w: number,
  dx: number, dy: number, out: Float32Array, outOffset: number,
): void {
  const k = u8ToF32Kernel();
  if (k == null) shiftedFrameJs(frames, frame, h, w, dx, dy, out, outOffset);
  else shiftedFrameWasm(k, frames, frame, h, w, dx, dy, out, outOffset);
}

/**
 * shiftedFrame with the shift done on bytes inside the kernel's memory
 * (copyWithin per row, a few border pixels by hand) and one SIMD conversion
 * of the whole frame; then one copy of the floats into `out`.
 */
export function shiftedFrameWasm(
  k: U8ToF32, frames: Uint8Array, frame: number, h: number, w: number,
  dx: number, dy: number, out: Float32Array, outOffset: number,
): void {
  if (h <= 0 || w <= 0) return;
  const rowLen = w * 3;
  const n = h * rowLen;
  const base = frame * n;
  const nPad = (n + 15) & ~15;
  const S = 0; // source frame bytes
  const D = nPad; // shifted frame bytes
  const F = 2 * nPad; // shifted frame floats
  k.reserve(F + 4 * nPad);
  const u8 = k.u8;
  if (dx === 0 && dy === 0) {
    u8.set(frames.subarray(base, base + n), D);
  } else {
    u8.set(frames.subarray(base, base + n), S);
    const jl = Math.max(0, Math.min(w, -dx));
    const jr = Math.max(jl, Math.min(w, w - dx));
    const leftLen = jl * 3;
    const midLen = (jr - jl) * 3;
    const srcMid = (jl + dx) * 3;
    const il = Math.max(0, Math.min(h, -dy));
    const ir = Math.max(il, Math.min(h, h - dy));
    if (dx === 0 && ir > il) {
      // The interior rows are one contiguous block.
      u8.copyWithin(D + il * rowLen, S + (il + dy) * rowLen, S + (ir + dy) * rowLen);
    }
    for (let i = 0; i < h; i++) {
      const si = i < il ? 0 : i < ir ? i + dy : h - 1;
      const srow = S + si * rowLen;
      let d = D + i * rowLen;
      if (dx !== 0 || i < il || i >= ir) u8.copyWithin(d + leftLen, srow + srcMid, srow + srcMid + midLen);
      if (leftLen > 0) {
        const r = u8[srow], g = u8[srow + 1], b = u8[srow + 2];
        for (const e = d + leftLen; d < e; d += 3) {
          u8[d] = r;
          u8[d + 1] = g;
          u8[d + 2] = b;
        }
      }
      d += midLen;
      const dEnd = D + (i + 1) * rowLen;
      if (d < dEnd) {
        const last = srow + rowLen - 3;
        const r = u8[last], g = u8[last + 1], b = u8[last + 2];
        for (; d < dEnd; d += 3) {
          u8[d] = r;
          u8[d + 1] = g;
          u8[d + 2] = b;
        }
      }
    }
  }
  k.convert(D, F, nPad >> 4);
  out.set(k.f32.subarray(F >> 2, (F >> 2) + n), outOffset);
}

/** shiftedFrame in plain JS (row runs through a v / 255 table); the fallback without wasm SIMD. */
export function shiftedFrameJs(
  frames: Uint8Array, frame: number, h: number, w: number,
  dx: number, dy: number, out: Float32Array, outOffset: number,
): void {
  if (h <= 0 || w <= 0) return;
  const lut = LUT;
  const rowLen = w * 3;
  const base = frame * h * rowLen;
  // Output columns [0, jl) read source column 0, [jl, jr) read j + dx,
  // [jr, w) read column w − 1.
  const jl = Math.max(0, Math.min(w, -dx));
  const jr = Math.max(jl, Math.min(w, w - dx));
  const leftLen = jl * 3;
  const midLen = (jr - jl) * 3;
  const rightLen = (w - jr) * 3;
  const srcMid = (jl + dx) * 3; // offset of the interior run within a source row
  // Output rows [0, il) read source row 0, [il, ir) read i + dy, [ir, h) read h − 1.
  const il = Math.max(0, Math.min(h, -dy));
  const ir = Math.max(il, Math.min(h, h - dy));
  // A row that reads the same source row as the one above it (past the top or
  // bottom edge) is a copy of that output row.
  let o = outOffset;
  let prevSi = -1;
  for (let i = 0; i < h; i++) {
    const si = i < il ? 0 : i < ir ? i + dy : h - 1;
    if (si === prevSi) {
      out.copyWithin(o, o - rowLen, o);
      o += rowLen;
      continue;
    }
    prevSi = si;
    const row = base + si * rowLen;
    if (leftLen > 0) {
      const r = lut[frames[row]], g = lut[frames[row + 1]], b = lut[frames[row + 2]];
      for (let e = o + leftLen; o < e; o += 3) {
        out[o] = r;
        out[o + 1] = g;
        out[o + 2] = b;
      }
    }
    toFloats(frames, row + srcMid, out, o, midLen, lut);
    o += midLen;
    if (rightLen > 0) {
      const last = row + rowLen - 3;
      const r = lut[frames[last]], g = lut[frames[last + 1]], b = lut[frames[last + 2]];
      for (let e = o + rightLen; o < e; o += 3) {
        out[o] = r;
        out[o + 1] = g;
        out[o + 2] = b;
      }
    }
  }
}
