import { SYNTHETIC_JOINTS, syntheticCommand, syntheticGripper, syntheticJpeg, syntheticPosition, syntheticVelocity, syntheticWrench } from '@cellkit/datasets/testing';

import type { RecordingSource, RecordingSourceEvents, RecordingSourceKind } from '../RecordingSource.ts';

type AnyListener = (sample: never) => void;

/** A RecordingSource driven by hand: `emit(kind, sample)` calls every listener synchronously. */
export class FakeCellSource implements RecordingSource {
  #listeners = new Map<RecordingSourceKind, Set<AnyListener>>();
  /** Samples emitted per kind (what a test compares the file against). */
  readonly emitted: Record<RecordingSourceKind, number> = { joints: 0, wrench: 0, camera: 0, status: 0, action: 0, event: 0 };

  on<K extends RecordingSourceKind>(kind: K, listener: RecordingSourceEvents[K]): () => void {
    let set = this.#listeners.get(kind);
    if (!set) this.#listeners.set(kind, (set = new Set()));
    set.add(listener as AnyListener);
    return () => set.delete(listener as AnyListener);
  }

  listenerCount(kind: RecordingSourceKind): number {
    return this.#listeners.get(kind)?.size ?? 0;
  }

  emit<K extends RecordingSourceKind>(kind: K, sample: Parameters<RecordingSourceEvents[K]>[0]): void {
    this.emitted[kind] += 1;
    for (const listener of this.#listeners.get(kind) ?? []) (listener as (s: typeof sample) => void)(sample);
  }
}

export type SimulatedCellOptions = {
  /** Epoch seconds of the first sample. Default 2026-01-01T00:00:00Z. */
  start?: number;
  /** Seconds of source time. */
  duration: number;
  /** Hz. Defaults: joints 500, wrench 500, action 125, camera 30, status 100. */
  rates?: Partial<Record<'joints' | 'wrench' | 'action' | 'camera' | 'status', number>>;
  cameras?: string[];
  width?: number;
  height?: number;
  /** Source time intervals (s from start) in which a stream emits nothing: `joints`, `camera/<name>`, ... */
  gaps?: { stream: string; from: number; to: number }[];
  /** Receive latency, s (cameras get +20 ms for exposure and transfer). Default 1 ms. */
  latency?: number;
  /** Give every camera its own images (default) or share one pool (cheaper to make for many large cameras). */
  cameraImages?: 'distinct' | 'shared';
};

export type SimulatedSample = { [K in RecordingSourceKind]: { kind: K; sample: Parameters<RecordingSourceEvents[K]>[0] } }[RecordingSourceKind] & { receivedAt: number };

/**
 * A UR cell with a gripper and cameras at realistic rates, as one list in
 * receive order. Values are the closed forms of @cellkit/datasets/testing, so
 * tests can compute what must come back.
 */
export function simulatedCell(options: SimulatedCellOptions): SimulatedSample[] {
  const start = options.start ?? 1_767_225_600;
  const rates = { joints: 500, wrench: 500, action: 125, camera: 30, status: 100, ...options.rates };
  const cameras = options.cameras ?? ['scene', 'wrist'];
  const width = options.width ?? 64;
  const height = options.height ?? 48;
  const latency = options.latency ?? 0.001;
  const out: SimulatedSample[] = [];
  const inGap = (stream: string, t: number): boolean => (options.gaps ?? []).some((g) => g.stream === stream && t - start >= g.from && t - start < g.to);
  const each = (stream: string, rate: number, make: (k: number, t: number) => SimulatedSample): void => {
    for (let k = 0; k / rate < options.duration; k++) {
      const t = start + k / rate;
      if (!inGap(stream, t)) out.push(make(k, t));
    }
  };
  each('joints', rates.joints, (_k, t) => ({
    kind: 'joints',
    receivedAt: t + latency,
    sample: {
      stamp: t,
      receivedAt: t + latency,
      position: SYNTHETIC_JOINTS.map((_, i) => syntheticPosition(i, t - start)),
      velocity: SYNTHETIC_JOINTS.map((_, i) => syntheticVelocity(i, t - start)),
      effort: [],
      gripper: syntheticGripper(t - start),
    },
  }));
  each('wrench', rates.wrench, (_k, t) => {
    const w = (k: number): number => syntheticWrench(k, t - start);
    return { kind: 'wrench', receivedAt: t + latency, sample: { stamp: t, receivedAt: t + latency, force: [w(0), w(1), w(2)], torque: [w(3), w(4), w(5)] } };
  });
  each('action', rates.action, (_k, t) => ({
    kind: 'action',
    receivedAt: t + latency,
    sample: { stamp: t, receivedAt: t + latency, velocities: SYNTHETIC_JOINTS.map((_, i) => syntheticCommand(i, t - start)), gripper: syntheticGripper(t - start), source: 'teleop', limited: [] },
  }));
  each('status', rates.status, (_k, t) => ({ kind: 'status', receivedAt: t + latency, sample: { receivedAt: t + latency, safetyMode: 1, speedScaling: 1 } }));
  for (const [c, name] of cameras.entries()) {
    const pool = jpegPool(width, height, options.cameraImages === 'shared' ? 1 : c + 1);
    each(`camera/${name}`, rates.camera, (k, t) => ({
      kind: 'camera',
      receivedAt: t + 0.02 + latency,
      sample: { camera: name, stamp: t, receivedAt: t + 0.02 + latency, format: 'jpeg', data: pool[k % pool.length]! },
    }));
  }
  out.push({ kind: 'event', receivedAt: start, sample: { stamp: start, receivedAt: start, kind: 'marker', code: 'start', message: 'simulated episode' } });
  return out.sort((a, b) => a.receivedAt - b.receivedAt);
}

const pools = new Map<string, Uint8Array[]>();

/** 30 synthetic JPEGs (one marker period), made once per size and seed. */
function jpegPool(width: number, height: number, seed: number): Uint8Array[] {
  const key = `${width}x${height}:${seed}`;
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = Array.from({ length: 30 }, (_, k) => syntheticJpeg(k, width, height, seed))));
  return pool;
}

/** A settable clock for `Recorder({ now })`. */
export class FakeClock {
  t: number;
  constructor(t = 0) {
    this.t = t;
  }
  readonly now = (): number => this.t;
}

/**
 * Emits `samples` through `source` in receive order. As fast as possible by
 * default, yielding to the event loop every `yieldEvery` seconds of source
 * time (so the recorder's writer runs, as it would between real messages);
 * with `realTime`, paced by the wall clock. `clock` follows the samples' receive times.
 */
export async function playSimulated(
  source: FakeCellSource,
  samples: SimulatedSample[],
  options: { realTime?: boolean; clock?: FakeClock; yieldEvery?: number } = {},
): Promise<void> {
  const yieldEvery = options.yieldEvery ?? 0.01;
  if (samples.length === 0) return;
  const t0 = samples[0]!.receivedAt;
  const wall0 = performance.now() / 1000;
  let nextYield = t0 + yieldEvery;
  for (const s of samples) {
    if (s.receivedAt >= nextYield) {
      if (options.realTime) {
        const wait = s.receivedAt - t0 - (performance.now() / 1000 - wall0);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait * 1000)));
      } else {
        await new Promise((resolve) => setImmediate(resolve));
      }
      nextYield = s.receivedAt + yieldEvery;
    }
    if (options.clock) options.clock.t = s.receivedAt;
    source.emit(s.kind, s.sample as never);
  }
}
