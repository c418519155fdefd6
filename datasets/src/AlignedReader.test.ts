import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AlignedReader, type AlignedEpisode } from './AlignedReader.ts';
import { MemoryAlignedCache, decodeAligned, encodeAligned } from './alignedCache.ts';
import { EpisodeWriter } from './EpisodeWriter.ts';
import { FileReadable } from './node/FileReadable.ts';
import { FileWritable } from './node/FileWritable.ts';
import {
  SYNTHETIC_JOINTS,
  frameMarkerGray,
  syntheticCommand,
  syntheticGripper,
  syntheticPosition,
  syntheticWrench,
  writeSyntheticEpisode,
} from './testing/syntheticEpisode.ts';

const START = 1_767_225_600;

/** Byte equality of two typed arrays (vitest's deep equality is slow on megabytes). */
const sameBytes = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
const DURATION = 4;
const GAP = { name: 'wrist', from: 1.0, to: 1.5 };
let dir: string;
let path: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-aligned-'));
  path = join(dir, 'ep.mcap');
  const writable = await FileWritable.open(path);
  const writer = await EpisodeWriter.Create({ writable });
  await writeSyntheticEpisode(writer, { start: START, duration: DURATION, cameraDropout: GAP });
  await writer.close();
  await writable.close();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(options: Parameters<AlignedReader['read']>[0], cache?: MemoryAlignedCache): Promise<AlignedEpisode> {
  const readable = await FileReadable.open(path);
  try {
    return await (await AlignedReader.Initialize({ readable, cache })).read(options);
  } finally {
    await readable.close();
  }
}

/**
 * Stamp (relative to START) of the latest sample at `rate` with stamp ≤ t: what
 * a zero-order hold must pick. Epoch seconds in float64 carry ~0.3 µs of
 * rounding, so "at t" allows 1 µs, as the reader does.
 */
const heldStamp = (t: number, rate: number): number => Math.floor((t - START + 1e-6) * rate) / rate;

describe('AlignedReader', () => {
  for (const rate of [10, 30]) {
    it(`holds the latest state with stamp ≤ t at ${rate} Hz`, async () => {
      const ep = await read({ rate, cameras: [] });
      // Last common stamp: the 125 Hz action stream ends first.
      const lastAction = Math.ceil(DURATION * 125 - 1) / 125;
      expect(ep.length).toBe(Math.floor(lastAction * rate + 1e-6) + 1);
      expect(ep.timestamps[0]).toBeCloseTo(START, 6);
      const J = SYNTHETIC_JOINTS.length;
      for (let i = 0; i < ep.length; i++) {
        const t = ep.timestamps[i]!;
        expect(t - ep.timestamps[0]!).toBeCloseTo(i / rate, 6);
        const js = heldStamp(t, 500);
        const pos = ep.features['observation.joint_position']!;
        expect(pos.valid[i]).toBe(1);
        for (let j = 0; j < J; j++) expect(pos.data[i * J + j]).toBeCloseTo(syntheticPosition(j, js), 5);
        expect(ep.features['observation.gripper']!.data[i]).toBeCloseTo(syntheticGripper(js), 5);
        const w = ep.features['observation.wrench']!;
        for (let k = 0; k < 6; k++) expect(w.data[i * 6 + k]).toBeCloseTo(syntheticWrench(k, heldStamp(t, 500)), 4);
        const a = ep.features.action!;
        const as = heldStamp(t, 125);
        for (let j = 0; j < J; j++) expect(a.data[i * (J + 1) + j]).toBeCloseTo(syntheticCommand(j, as), 5);
        expect(a.data[i * (J + 1) + J]).toBeCloseTo(syntheticGripper(as), 5);
        expect(ep.features.safety_mode!.data[i]).toBe(1);
      }
      expect(ep.features['observation.joint_position']!.names).toEqual(SYNTHETIC_JOINTS);
      expect(ep.features.action!.names).toEqual([...SYNTHETIC_JOINTS, 'gripper']);
    });
  }

  it('takes the nearest camera frame within tolerance and marks a dropout invalid instead of inventing frames', async () => {
    const ep = await read({ rate: 30 });
    const tolerance = 0.5 / 30;
    const cameraStamps = (name: string) =>
      Array.from({ length: DURATION * 30 }, (_, k) => k / 30).filter(
        (s) => !(name === GAP.name && s >= GAP.from && s < GAP.to),
      );
    for (const name of ['scene', 'wrist']) {
      const cam = ep.cameras[name]!;
      expect([cam.width, cam.height]).toEqual([160, 120]);
      const stamps = cameraStamps(name);
      let invalid = 0;
      for (let i = 0; i < ep.length; i++) {
        const t = ep.timestamps[i]! - START;
        const nearest = stamps.reduce((best, s) => (Math.abs(s - t) < Math.abs(best - t) ? s : best), Infinity);
        const shouldBeValid = Math.abs(nearest - t) <= tolerance + 1e-6;
        expect(cam.valid[i]).toBe(shouldBeValid ? 1 : 0);
        if (!shouldBeValid) {
          invalid++;
          expect(Number.isNaN(cam.stamps[i])).toBe(true);
          continue;
        }
        expect(cam.stamps[i]! - START).toBeCloseTo(nearest, 6);
        // The marker block identifies which source frame was decoded (JPEG is lossy).
        const k = Math.round(nearest * 30);
        const p = (4 * cam.width + 4) * 3;
        expect(Math.abs(cam.data[i * cam.width * cam.height * 3 + p]! - frameMarkerGray(k))).toBeLessThanOrEqual(6);
      }
      expect(invalid > 0).toBe(name === GAP.name);
    }
  });

  it('resizes frames when asked', async () => {
    const ep = await read({ rate: 10, imageSize: { width: 80, height: 60 }, cameras: ['scene'] });
    const cam = ep.cameras.scene!;
    expect([cam.width, cam.height, cam.data.length]).toEqual([80, 60, ep.length * 80 * 60 * 3]);
    expect(Object.keys(ep.cameras)).toEqual(['scene']);
  });

  it('caches: the second read of the same options decodes nothing and returns equal arrays', async () => {
    const cache = new MemoryAlignedCache();
    let sets = 0;
    const counting = Object.assign(cache, {
      set: async (key: string, value: Uint8Array) => {
        sets++;
        return MemoryAlignedCache.prototype.set.call(cache, key, value);
      },
    });
    const first = await read({ rate: 10 }, counting);
    const second = await read({ rate: 10 }, counting);
    expect(sets).toBe(1);
    expect(Array.from(second.timestamps)).toEqual(Array.from(first.timestamps));
    expect(sameBytes(second.cameras.wrist!.data, first.cameras.wrist!.data)).toBe(true);
    expect(second.features.action!.data).toEqual(first.features.action!.data);
    await read({ rate: 30, cameras: [] }, counting);
    expect(sets).toBe(2);
  });

  it('encodes and decodes the binary cache form losslessly', async () => {
    const ep = await read({ rate: 10, imageSize: { width: 32, height: 24 } });
    const back = decodeAligned(encodeAligned(ep));
    expect(back.length).toBe(ep.length);
    expect(Object.keys(back.features)).toEqual(Object.keys(ep.features));
    for (const [name, f] of Object.entries(ep.features)) {
      expect(back.features[name]!.data).toEqual(f.data);
      expect(back.features[name]!.valid).toEqual(f.valid);
      expect(back.features[name]!.names).toEqual(f.names);
    }
    expect(sameBytes(back.cameras.scene!.data, ep.cameras.scene!.data)).toBe(true);
    expect(() => decodeAligned(new Uint8Array(16))).toThrow(/Delete the cache file/);
  });

  it('marks a state stale (NaN, invalid) when its stream stops, instead of holding it forever', async () => {
    const p = join(dir, 'gap.mcap');
    const writable = await FileWritable.open(p);
    const writer = await EpisodeWriter.Create({ writable });
    await writer.addStream('/joint_states', 'sensor_msgs/msg/JointState');
    await writer.addStream('/force_torque_sensor_broadcaster/wrench', 'geometry_msgs/msg/WrenchStamped');
    const zero = { x: 0, y: 0, z: 0 };
    for (let k = 0; k <= 300; k++) {
      const t = START + k / 100;
      if (k <= 100 || k >= 200) {
        await writer.write('/joint_states', { stamp: t, receiveTime: t, msg: { name: ['a'], position: [k], velocity: [0], effort: [] } });
      }
      await writer.write('/force_torque_sensor_broadcaster/wrench', { stamp: t, receiveTime: t, msg: { wrench: { force: zero, torque: zero } } });
    }
    await writer.close();
    await writable.close();
    const readable = await FileReadable.open(p);
    const ep = await (await AlignedReader.Initialize({ readable })).read({ rate: 10, maxStateAge: 0.1 });
    await readable.close();
    const pos = ep.features['observation.joint_position']!;
    for (let i = 0; i < ep.length; i++) {
      const t = ep.timestamps[i]! - START;
      const stale = t > 1.0 + 0.1 + 1e-6 && t < 2.0 - 1e-6;
      expect(pos.valid[i]).toBe(stale ? 0 : 1);
      if (stale) expect(Number.isNaN(pos.data[i])).toBe(true);
      else expect(pos.data[i]).toBe(Math.min(Math.floor((t + 1e-6) * 100), t < 2 - 1e-6 ? 100 : 300));
    }
  });
});
