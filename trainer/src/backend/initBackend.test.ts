import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from './initBackend.ts';

describe('initBackend', () => {
  it('picks wasm with SIMD here (tfjs-node is not installed) and installs the conv gradient kernels', async () => {
    const info = await initBackend();
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.simd).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.note).toMatch(/wasm/);
    expect(info.note).toMatch(/skipped: node/);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('honours prefer: cpu, and can switch back to wasm', async () => {
    expect((await initBackend({ prefer: 'cpu' })).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await initBackend({ prefer: 'wasm' })).name).toBe('wasm');
  });
});
