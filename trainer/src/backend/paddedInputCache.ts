// The padded copy of a conv layer's input (winogradConv.ts) or its
// space-to-depth image (spaceToDepthConv.ts), made by a training forward and
// kept for the same input's filter gradient, which needs the same buffer.
// Both passes used to build it: in a CPU profile of the chunk step the
// copies took ~1.3 ms (padding, the 48×48×16, 24×24×32 and 12×12×32 inputs)
// and ~1.4 ms (space-to-depth of the 96×96×3 images) per step, half of it in
// the filter gradient.
//
// Keyed by the input's dataId: tfjs data behind a dataId never changes (our
// Identity shares the dataId of the tensors the tape saves, so the filter
// gradient sees the forward's), and a disposed tensor's dataId never comes
// back. An entry is used once (take) and also stores a layout key, so a
// different padding of the same input is never mistaken for it. Entries a
// gradient never takes (a forward without a backward) are freed oldest first
// beyond MAX_ENTRIES, and when the backend changes.
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface Entry { backend: BackendWasm; layout: string; buffer: TensorInfo }

/** More than a chunk step needs (2 cameras × 4 conv layers). */
export const MAX_ENTRIES = 16;

/** Benchmarks turn this off for A/B (profileStep KEEP_PADDED=0): nothing is kept, both passes pad. */
export const paddedInputSettings = { enabled: true };

const entries = new Map<object, Entry>();

function free(e: Entry): void {
  e.backend.disposeData(e.buffer.dataId);
}

/** Keeps `buffer` (owned from now on by the cache) for the filter gradient of `x`; replaces an older entry of `x`. */
export function keepPaddedInput(backend: BackendWasm, x: TensorInfo, layout: string, buffer: TensorInfo): void {
  if (!paddedInputSettings.enabled) {
    backend.disposeData(buffer.dataId);
    return;
  }
  const old = entries.get(x.dataId);
  if (old != null) {
    entries.delete(x.dataId);
    free(old);
  }
  entries.set(x.dataId, { backend, layout, buffer });
  for (const [key, e] of entries) {
    if (entries.size <= MAX_ENTRIES && e.backend === backend) break;
    entries.delete(key);
    free(e);
  }
}

/** The kept buffer of `x` with this layout, now owned by the caller (dispose it); null when there is none. */
export function takePaddedInput(backend: BackendWasm, x: TensorInfo, layout: string): TensorInfo | null {
  const e = entries.get(x.dataId);
  if (e == null) return null;
  entries.delete(x.dataId);
  if (e.backend === backend && e.layout === layout) return e.buffer;
  free(e);
  return null;
}

/** Frees every kept buffer (tests; a backend about to be disposed). */
export function clearPaddedInputs(): void {
  for (const e of entries.values()) free(e);
  entries.clear();
}

/** Kept buffers now (tests). */
export function paddedInputCount(): number {
  return entries.size;
}
