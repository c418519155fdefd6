// The padded-input cache (paddedInputCache.ts): one use per entry, layouts
// must match, bounded size with the oldest entries freed.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './initBackend.ts';
import { clearPaddedInputs, keepPaddedInput, MAX_ENTRIES, paddedInputCount, takePaddedInput } from './paddedInputCache.ts';
import { allocF32 } from './wasmHeap.ts';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  await tf.setBackend('wasm');
});

describe('paddedInputCache', () => {
  it('hands a kept buffer out once, only for the same input and layout, and frees what it drops', () => {
    const backend = tf.backend() as BackendWasm;
    clearPaddedInputs();
    const before = backend.numDataIds();
    const x = allocF32(backend, [4]);
    const y = allocF32(backend, [4]);
    const buf = allocF32(backend, [8]);
    keepPaddedInput(backend, x, 'pad a', buf);
    expect(takePaddedInput(backend, y, 'pad a')).toBeNull();
    expect(takePaddedInput(backend, x, 'pad a')).toBe(buf);
    expect(takePaddedInput(backend, x, 'pad a')).toBeNull();
    backend.disposeData(buf.dataId);
    // Another layout of the same input: not handed out, and freed.
    keepPaddedInput(backend, x, 'pad a', allocF32(backend, [8]));
    expect(takePaddedInput(backend, x, 'pad b')).toBeNull();
    expect(paddedInputCount()).toBe(0);
    // Keeping again for the same input replaces (and frees) the older buffer.
    keepPaddedInput(backend, x, 'pad a', allocF32(backend, [8]));
    keepPaddedInput(backend, x, 'pad a', allocF32(backend, [8]));
    expect(paddedInputCount()).toBe(1);
    clearPaddedInputs();
    // Bounded: the oldest entries go first.
    const inputs = Array.from({ length: MAX_ENTRIES + 5 }, () => allocF32(backend, [1]));
    for (const t of inputs) keepPaddedInput(backend, t, 'pad a', allocF32(backend, [8]));
    expect(paddedInputCount()).toBe(MAX_ENTRIES);
    expect(takePaddedInput(backend, inputs[4], 'pad a')).toBeNull();
    const last = takePaddedInput(backend, inputs[MAX_ENTRIES + 4], 'pad a');
    expect(last).not.toBeNull();
    backend.disposeData(last!.dataId);
    clearPaddedInputs();
    for (const t of [x, y, ...inputs]) backend.disposeData(t.dataId);
    expect(backend.numDataIds()).toBe(before);
  });
});
