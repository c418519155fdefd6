// copyRows (rowCopySimd.ts): rows copied between strides with zeroed
// borders, over a destination full of garbage, and nothing else touched.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './initBackend.ts';
import { copyRowsKernel } from './rowCopySimd.ts';
import { allocF32, floatOffset, heapF32, wasmMemory } from './wasmHeap.ts';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('copyRows (wasm)', () => {
  for (const [nRows, vecs, srcRowV, dstRowV, left, right] of [[3, 2, 3, 6, 1, 2], [1, 5, 5, 5, 0, 0], [4, 0, 0, 3, 2, 1], [2, 1, 4, 2, 0, 1]]) {
    it(`${nRows} rows of ${vecs} vectors (source row ${srcRowV}, destination row ${dstRowV} vectors), borders ${left} + ${right}`, () => {
      const backend = tf.backend() as unknown as BackendWasm;
      const src = allocF32(backend, [Math.max(1, nRows * srcRowV * 4)]);
      const total = (nRows + 1) * dstRowV * 4 + 4 * (left + right + vecs) + 8;
      const dst = allocF32(backend, [total]);
      const heap = heapF32(backend);
      const s = floatOffset(backend, src);
      const d = floatOffset(backend, dst);
      for (let i = 0; i < nRows * srcRowV * 4; i++) heap[s + i] = i + 1;
      heap.fill(Number.NaN, d, d + total);
      const at = d + 4 * left; // first copied float of row 0
      copyRowsKernel(wasmMemory(backend)!)(s * 4, at * 4, nRows, vecs, srcRowV * 16, dstRowV * 16, left, right);
      const want = new Float32Array(total).fill(Number.NaN);
      for (let r = 0; r < nRows; r++) {
        const row = 4 * left + r * dstRowV * 4;
        for (let i = 0; i < 4 * left; i++) want[row - 4 * left + i] = 0;
        for (let i = 0; i < 4 * vecs; i++) want[row + i] = s >= 0 ? r * srcRowV * 4 + i + 1 : 0;
        for (let i = 0; i < 4 * right; i++) want[row + 4 * vecs + i] = 0;
      }
      const got = heapF32(backend).slice(d, d + total);
      expect(Array.from(got)).toEqual(Array.from(want));
      backend.disposeData(src.dataId);
      backend.disposeData(dst.dataId);
    });
  }
});
