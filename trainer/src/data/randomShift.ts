// Random-shift augmentation (DrQ; used by Diffusion Policy): pad the image by
// `pad` pixels replicating the border, then crop back to the original size at
// a random offset. Done as one indexed copy with clamped coordinates, so no
// padded intermediate is allocated. Output is float RGB in [0, 1].

/**
 * Copies frame `frame` of `frames` (N×H×W×3 bytes) into `out` at `outOffset`
 * as floats in [0, 1], shifted by (dx, dy) ∈ [−pad, pad]² with edge replication.
 */
export function shiftedFrame(
  frames: Uint8Array, frame: number, h: number, w: number,
  dx: number, dy: number, out: Float32Array, outOffset: number,
): void {
  const base = frame * h * w * 3;
  let o = outOffset;
  for (let i = 0; i < h; i++) {
    const si = Math.min(h - 1, Math.max(0, i + dy));
    const row = base + si * w * 3;
    for (let j = 0; j < w; j++) {
      const sj = Math.min(w - 1, Math.max(0, j + dx));
      const s = row + sj * 3;
      out[o] = frames[s] / 255;
      out[o + 1] = frames[s + 1] / 255;
      out[o + 2] = frames[s + 2] / 255;
      o += 3;
    }
  }
}
