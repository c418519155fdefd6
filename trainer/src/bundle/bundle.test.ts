import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/initBackend.ts';
import { DirBundleStore } from '../node/DirBundleStore.ts';
import { DirCheckpointStore } from '../node/DirCheckpointStore.ts';
import { syntheticData, UR_JOINTS } from '../testing/syntheticData.ts';
import { binaryActionNames, train } from '../train.ts';
import type { TrainResult } from '../train.ts';
import { MemoryBundleStore } from './BundleStore.ts';
import { checkBundleFits } from './checkBundleFits.ts';
import { loadBundle } from './loadBundle.ts';
import { PolicyRuntime, TRACK_GAIN, TRACK_MAX_CORRECTION } from './PolicyRuntime.ts';
import { saveBundle } from './saveBundle.ts';

let dir: string;
let chunk: TrainResult;
const data = syntheticData({ episodes: 3, length: 12, cameras: ['top', 'wrist'], imageSize: 16 });

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'cellkit-trainer-'));
  chunk = await train({
    data, policy: 'chunk', epochs: 2, batchSize: 8, seed: 1, validationFraction: 0.34,
    policyOptions: { filters: [4, 8], kernelSizes: [3, 3], strides: [2, 1], hiddenUnits: [16], horizon: 4 },
    checkpoint: new DirCheckpointStore(join(dir, 'ckpt')),
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('policy bundle', () => {
  it('save → load from a folder gives identical predictions, and policy.json says what it needs', async () => {
    const manifest = await saveBundle(chunk, new DirBundleStore(join(dir, 'policy')));
    expect((await readdir(join(dir, 'policy'))).sort()).toEqual(['model.json', 'policy.json', 'weights.bin']);
    expect(manifest).toMatchObject({
      policy: 'chunk', rate: 10, robotProfile: 'ur', jointNames: UR_JOINTS,
      dataset: { id: 'synthetic', hash: 'synthetic-1' }, outputs: { horizon: 4, action: data.actionNames },
    });
    expect(manifest.inputs.state).toEqual(data.stateNames);
    expect(manifest.inputs.cameras.map((c) => c.name)).toEqual(['top', 'wrist']);
    expect((manifest.training.trainLoss as number[]).length).toBe(2);

    const loaded = await loadBundle(join(dir, 'policy'));
    expect(loaded.manifest).toEqual(JSON.parse(JSON.stringify(manifest)));
    const original = new PolicyRuntime({ manifest, model: chunk.model });
    const restored = new PolicyRuntime(loaded);
    const ep = data.episodes[0];
    const S = data.stateNames.length;
    for (let t = 0; t < 6; t++) {
      const obs = {
        state: ep.states.subarray(t * S, (t + 1) * S),
        images: { top: ep.images!.top.subarray(t * 768, (t + 1) * 768), wrist: ep.images!.wrist.subarray(t * 768, (t + 1) * 768) },
      };
      const a = original.predict(obs);
      const b = restored.predict(obs);
      expect(a).toHaveLength(data.actionNames.length);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
    expect(() => restored.predict({ state: [1, 2] })).toThrow(/expected 19 state values/);
  });

  it('the runtime de-normalizes and temporally ensembles chunks', async () => {
    const saved = await saveBundle(chunk, new MemoryBundleStore());
    // The ensembling arithmetic on every column (no 0/1 snapping of the gripper here: see the next test).
    const runtime = new PolicyRuntime({ manifest: { ...saved, outputs: { ...saved.outputs, binary: [] } }, model: chunk.model });
    const ep = data.episodes[1];
    const S = data.stateNames.length;
    const A = data.actionNames.length;
    const obs = (t: number) => ({
      state: ep.states.subarray(t * S, (t + 1) * S),
      images: { top: ep.images!.top.subarray(t * 768, (t + 1) * 768), wrist: ep.images!.wrist.subarray(t * 768, (t + 1) * 768) },
    });
    const c0 = runtime.predictChunk(obs(0));
    const c1 = runtime.predictChunk(obs(1));
    runtime.reset();
    const a0 = runtime.predict(obs(0));
    const a1 = runtime.predict(obs(1));
    expect(Array.from(a0)).toEqual(Array.from(c0.slice(0, A)));
    const w = Math.exp(-0.01);
    for (let k = 0; k < A; k++) expect(a1[k]).toBeCloseTo((c0[A + k] + w * c1[k]) / (1 + w), 4);
    runtime.reset();
    expect(Array.from(runtime.predict(obs(1)))).toEqual(Array.from(c1.slice(0, A)));
  });

  it('actions the demos only set to 0 or 1 (the gripper) are listed in policy.json and snapped to 0/1 by the runtime', async () => {
    const A = data.actionNames.length;
    const g = data.actionNames.indexOf('gripper.command');
    // The synthetic gripper opens and closes; a gripper driven to in-between positions is not binary.
    expect(binaryActionNames(data)).toEqual(['gripper.command']);
    const continuous = { ...data, episodes: data.episodes.map((ep) => {
      const actions = ep.actions.slice();
      actions[g] = 0.4;
      return { ...ep, actions };
    }) };
    expect(binaryActionNames(continuous)).toEqual([]);

    const manifest = await saveBundle(chunk, new MemoryBundleStore());
    expect(manifest.outputs.binary).toEqual(['gripper.command']);
    const snapping = new PolicyRuntime({ manifest, model: chunk.model });
    const plain = new PolicyRuntime({ manifest: { ...manifest, outputs: { ...manifest.outputs, binary: undefined } }, model: chunk.model });
    const ep = data.episodes[2];
    const S = data.stateNames.length;
    for (let t = 0; t < 6; t++) {
      const obs = { state: ep.states.subarray(t * S, (t + 1) * S), images: { top: ep.images!.top.subarray(t * 768, (t + 1) * 768), wrist: ep.images!.wrist.subarray(t * 768, (t + 1) * 768) } };
      const raw = plain.predict(obs);
      const snapped = snapping.predict(obs);
      expect(snapped[g]).toBe(raw[g] >= 0.5 ? 1 : 0);
      for (let k = 0; k < A; k++) if (k !== g) expect(snapped[k]).toBe(raw[k]);
    }
    // A broken model's non-finite gripper is not snapped into a valid-looking 1: the runner must see it and stop.
    const std = manifest.normalization.action.std.slice();
    std[g] = Infinity;
    const broken = new PolicyRuntime({ manifest: { ...manifest, normalization: { ...manifest.normalization, action: { ...manifest.normalization.action, std } } }, model: chunk.model });
    const out = broken.predict({ state: ep.states.subarray(0, S), images: { top: ep.images!.top.subarray(0, 768), wrist: ep.images!.wrist.subarray(0, 768) } });
    expect(Number.isFinite(out[g])).toBe(false);
  });

  it('twist chunk policies track their plan: the linear velocity gets gain × (where the chunks say the tool is − where it is), capped', async () => {
    const saved = await saveBundle(chunk, new MemoryBundleStore());
    // The same model read as a twist policy: its first three outputs named vx, vy, vz (no snapping, to see the arithmetic).
    const action = saved.outputs.action.map((a, k) => (k < 3 ? `action.twist.${['vx', 'vy', 'vz'][k]}` : a));
    const manifest = { ...saved, outputs: { ...saved.outputs, action, binary: [] } };
    const tracking = new PolicyRuntime({ manifest, model: chunk.model });
    const plain = new PolicyRuntime({ manifest, model: chunk.model }, { trackGain: 0 });
    expect(tracking.trackGain).toBe(TRACK_GAIN);
    expect(plain.trackGain).toBe(0);
    // Not a twist policy: nothing to track.
    expect(new PolicyRuntime({ manifest: saved, model: chunk.model }).trackGain).toBe(0);
    const ep = data.episodes[0];
    const S = data.stateNames.length;
    const A = action.length;
    const obs = (t: number, tcpPosition?: number[]) => ({
      state: ep.states.subarray(t * S, (t + 1) * S),
      images: { top: ep.images!.top.subarray(t * 768, (t + 1) * 768), wrist: ep.images!.wrist.subarray(t * 768, (t + 1) * 768) },
      ...(tcpPosition ? { tcpPosition } : {}),
    });
    const dt = 1 / manifest.rate;
    const c0 = plain.predictChunk(obs(0));
    // Step 0: one chunk, anchored where the tool is: nothing to correct.
    const p0 = [0.4, 0.1, 0.3];
    expect(Array.from(tracking.predict(obs(0, p0)))).toEqual(Array.from(plain.predict(obs(0))));
    // Step 1, the tool has not moved: chunk 0 says it should have moved c0[0..2]·dt; chunk 1 is anchored here.
    const w = Math.exp(-0.01);
    const untracked = plain.predict(obs(1));
    const tracked = tracking.predict(obs(1, p0));
    const pull = [0, 1, 2].map((j) => (TRACK_GAIN * c0[j]! * dt) / (1 + w));
    const scale = Math.min(1, TRACK_MAX_CORRECTION / Math.hypot(...pull));
    for (let j = 0; j < 3; j++) expect(tracked[j]).toBeCloseTo(untracked[j]! + pull[j]! * scale, 5);
    for (let k = 3; k < A; k++) expect(tracked[k]).toBe(untracked[k]);
    // A tool far from the plan is pulled at most TRACK_MAX_CORRECTION, whatever the distance.
    const far = tracking.predict(obs(2, [p0[0]! + 5, p0[1]!, p0[2]!]));
    const base = plain.predict(obs(2));
    expect(Math.hypot(...[0, 1, 2].map((j) => far[j]! - base[j]!))).toBeCloseTo(TRACK_MAX_CORRECTION, 5);
    expect(far[0]! - base[0]!).toBeLessThan(-0.04);
    // Without the tool's position the runtime has nothing to track against: velocities only.
    tracking.reset();
    plain.reset();
    for (let t = 0; t < 3; t++) expect(Array.from(tracking.predict(obs(t)))).toEqual(Array.from(plain.predict(obs(t))));
    expect(() => tracking.predict(obs(3, [1, 2]))).toThrow(/tcpPosition expects 3 values \(x, y, z in m\), found 2/);
    expect(() => new PolicyRuntime({ manifest, model: chunk.model }, { trackGain: -1 })).toThrow(/trackGain expects a number ≥ 0 \(1\/s; 0 = off\), found -1/);
  });

  it('checkBundleFits reports joint, profile and camera mismatches with tips', async () => {
    const { manifest } = { manifest: await saveBundle(chunk, new MemoryBundleStore()) };
    const cameras = { top: [16, 16, 3] as [number, number, 3], wrist: [16, 16, 3] as [number, number, 3] };
    expect(checkBundleFits(manifest, { profile: 'ur', jointNames: UR_JOINTS, cameras })).toEqual([]);
    const franka = ['fr3_joint1', 'fr3_joint2', 'fr3_joint3', 'fr3_joint4', 'fr3_joint5', 'fr3_joint6', 'fr3_joint7'];
    const problems = checkBundleFits({ manifest }, { profile: 'franka', jointNames: franka, cameras: { top: [480, 640, 3] } });
    expect(problems.map((p) => p.code)).toEqual(['profile', 'joints', 'camera-shape', 'camera-missing']);
    expect(problems[1].message).toBe(`policy expects joints [${UR_JOINTS.join(', ')}], the cell has [${franka.join(', ')}]`);
    expect(problems[2].message).toMatch(/expects camera 'top' at 16×16 \(h×w\), the cell delivers 480×640/);
    expect(problems[3].message).toMatch(/expects camera 'wrist' \(16×16\), the cell has \[top\]/);
    const reordered = [...UR_JOINTS].reverse();
    expect(checkBundleFits(manifest, { profile: 'ur', jointNames: reordered, cameras })[0].tip).toMatch(/another order/);
  });

  it('checkBundleFits refuses a cell whose arm or tool offset differs from the ones TCP inputs were computed with', async () => {
    const plain = await saveBundle(chunk, new MemoryBundleStore());
    const cameras = { top: [16, 16, 3] as [number, number, 3], wrist: [16, 16, 3] as [number, number, 3] };
    const cell = { profile: 'ur', jointNames: UR_JOINTS, cameras };
    // A bundle without TCP inputs (and every bundle from before them) does not care about the arm or tool.
    expect(plain.kinematics).toBeUndefined();
    expect(checkBundleFits(plain, { ...cell, arm: 'ur10e', toolOffset: [0, 0, 0.3] })).toEqual([]);
    const manifest = { ...plain, kinematics: { arm: 'ur5e', toolOffset: [0, 0, 0.1475] as [number, number, number] } };
    expect(checkBundleFits(manifest, { ...cell, arm: 'ur5e', toolOffset: [0, 0, 0.1475] })).toEqual([]);
    const arm = checkBundleFits(manifest, { ...cell, arm: 'ur10e', toolOffset: [0, 0, 0.1475] });
    expect(arm.map((p) => [p.code, p.severity])).toEqual([['kinematics', 'error']]);
    expect(arm[0].message).toBe("policy's TCP pose inputs were computed for arm model 'ur5e', the cell has 'ur10e'");
    const tool = checkBundleFits(manifest, { ...cell, arm: 'ur5e', toolOffset: [0, 0, 0.2] });
    expect(tool.map((p) => p.code)).toEqual(['kinematics']);
    expect(tool[0].message).toBe("policy's TCP pose inputs were computed with tool offset [0, 0, 0.1475] m, the cell's tool offset is [0, 0, 0.2] m");
    expect(tool[0].tip).toMatch(/--tool-offset 0,0,0.2/);
    // No tool offset on the cell means the flange; no arm is refused rather than guessed.
    expect(checkBundleFits(manifest, { ...cell, arm: 'ur5e' })[0].message).toMatch(/the cell's tool offset is \[0, 0, 0\] m \(none set: the flange\)/);
    expect(checkBundleFits(manifest, { ...cell, toolOffset: [0, 0, 0.1475] })[0].message).toMatch(/the cell does not say which arm it has/);
    // Twist outputs are converted to joint velocities with the same arm and tool: refused the same way, saying so.
    const twist = { ...manifest, outputs: { ...manifest.outputs, action: ['vx', 'vy', 'vz', 'wx', 'wy', 'wz'].map((n) => `action.twist.${n}`) } };
    expect(checkBundleFits(twist, { ...cell, arm: 'ur10e', toolOffset: [0, 0, 0.1475] })[0].message)
      .toBe("policy's TCP twist outputs were computed for arm model 'ur5e', the cell has 'ur10e'");
    expect(checkBundleFits(twist, { ...cell, arm: 'ur5e', toolOffset: [0, 0, 0.1475] })).toEqual([]);
    // tcp_height is computed with the same arm and tool as tcp_pose: refused the same way, naming it.
    const height = { ...manifest, inputs: { ...manifest.inputs, state: [...manifest.inputs.state, 'observation.tcp_height.z'] } };
    expect(checkBundleFits(height, { ...cell, arm: 'ur10e', toolOffset: [0, 0, 0.1475] }).map((p) => p.message))
      .toEqual(["policy's TCP height inputs were computed for arm model 'ur5e', the cell has 'ur10e'"]);
    expect(checkBundleFits(height, { ...cell, arm: 'ur5e', toolOffset: [0, 0, 0.2] }).map((p) => p.message))
      .toEqual(["policy's TCP height inputs were computed with tool offset [0, 0, 0.1475] m, the cell's tool offset is [0, 0, 0.2] m"]);
    expect(checkBundleFits({ ...height, inputs: { ...height.inputs, state: [...height.inputs.state, 'observation.tcp_pose.x'] } }, { ...cell, arm: 'ur10e', toolOffset: [0, 0, 0.1475] })[0].message)
      .toBe("policy's TCP pose and TCP height inputs were computed for arm model 'ur5e', the cell has 'ur10e'");
    expect(checkBundleFits(height, { ...cell, arm: 'ur5e', toolOffset: [0, 0, 0.1475] })).toEqual([]);
  });

  it('a folder checkpoint round-trips and resume continues from it', async () => {
    const store = new DirCheckpointStore(join(dir, 'ckpt'));
    const ck = await store.load();
    expect(ck?.epoch).toBe(2);
    expect(ck?.weights.length).toBe(chunk.model.weights.length);
    expect((await readdir(join(dir, 'ckpt'))).sort()).toEqual(['checkpoint-2.bin', 'checkpoint.json']);
    const resumed = await train({
      data, policy: 'chunk', epochs: 3, batchSize: 8, seed: 1, validationFraction: 0.34,
      policyOptions: { filters: [4, 8], kernelSizes: [3, 3], strides: [2, 1], hiddenUnits: [16], horizon: 4 },
      checkpoint: store, resume: true,
    });
    expect(resumed.resumedFromEpoch).toBe(2);
    expect(resumed.history.trainLoss.slice(0, 2)).toEqual(chunk.history.trainLoss);
    expect(resumed.history.trainLoss).toHaveLength(3);
  });
});
