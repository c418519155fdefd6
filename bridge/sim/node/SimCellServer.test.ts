import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service, Topic, type Ros } from 'roslib';
import jpeg from 'jpeg-js';
import { WebSocket } from 'ws';
import { connectRos } from '../../src/ros/connectRos.ts';
import { SimCellServer } from './SimCellServer.ts';
import { SAFETY_MODE, fromRosTime, type CompressedImage, type JointState, type TriggerResponse } from './rosMessages.ts';
import { CAMERA_TYPE, SIM_SERVICES, SIM_TOPICS, UR_SERVICES, UR_TOPICS, cameraTopic } from './urTopics.ts';

const UR_JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];

/** Resolves with the first `n` messages on a topic (then unsubscribes). */
function take<T>(ros: Ros, name: string, type: string, n = 1, compression = 'none'): Promise<T[]> {
  const topic = new Topic<T>({ ros, name, messageType: type, compression });
  const got: T[] = [];
  return new Promise((resolve) => {
    topic.subscribe((m) => {
      got.push(m);
      if (got.length === n) {
        topic.unsubscribe();
        resolve(got);
      }
    });
  });
}

function call<Req, Res>(ros: Ros, name: string, type: string, req: Req): Promise<Res> {
  const s = new Service<Req, Res>({ ros, name, serviceType: type });
  return new Promise((resolve, reject) => s.callService(req, resolve, (e) => reject(new Error(String(e)))));
}

function publishVelocity(ros: Ros, v: number[]): void {
  new Topic({ ros, name: UR_TOPICS.velocityCommand.name, messageType: UR_TOPICS.velocityCommand.type }).publish({
    layout: { dim: [], data_offset: 0 },
    data: v,
  });
}

/** Bytes of a CompressedImage as roslib yields them: base64 in JSON, bytes in CBOR. */
function imageBytes(m: CompressedImage): Uint8Array {
  const d = m.data as unknown;
  return typeof d === 'string' ? new Uint8Array(Buffer.from(d, 'base64')) : (d as Uint8Array);
}

describe('sim cell over rosbridge, with a real roslib client', () => {
  let sim: SimCellServer;
  let ros: Ros;
  const logs: string[] = [];

  beforeAll(async () => {
    sim = await SimCellServer.start({ port: 0, task: 'pick_place', seed: 3, speed: 1, cameras: ['scene', 'wrist'], log: (level, msg) => logs.push(`${level} ${msg}`) });
    ros = await connectRos(sim.url);
  });
  afterAll(async () => {
    ros?.close();
    await sim?.close();
  });

  it('lists the UR driver topics with their ROS 2 types through rosapi', async () => {
    const { topics, types } = await new Promise<{ topics: string[]; types: string[] }>((resolve, reject) =>
      ros.getTopics(resolve, reject),
    );
    const typeOf = Object.fromEntries(topics.map((t, i) => [t, types[i]]));
    for (const t of [...Object.values(UR_TOPICS), ...Object.values(SIM_TOPICS)]) {
      if (t.name === UR_TOPICS.velocityCommand.name || t.name === UR_TOPICS.gripperCommand.name) continue;
      expect(typeOf[t.name], t.name).toBe(t.type);
    }
    expect(typeOf[cameraTopic('scene')]).toBe(CAMERA_TYPE);
    expect(typeOf[cameraTopic('wrist')]).toBe(CAMERA_TYPE);
  });

  for (const compression of ['none', 'cbor']) {
    it(`publishes joint states, wrench and status with the right shapes (${compression})`, async () => {
      const [js, wrench, mode, scaling] = await Promise.all([
        take<JointState>(ros, UR_TOPICS.jointStates.name, UR_TOPICS.jointStates.type, 50, compression),
        take<{ header: JointState['header']; wrench: { force: Record<string, number>; torque: Record<string, number> } }>(
          ros, UR_TOPICS.wrench.name, UR_TOPICS.wrench.type, 5, compression),
        take<{ mode: number }>(ros, UR_TOPICS.safetyMode.name, UR_TOPICS.safetyMode.type, 1, compression),
        take<{ data: number }>(ros, UR_TOPICS.speedScaling.name, UR_TOPICS.speedScaling.type, 2, compression),
      ]);
      const m = js[0];
      expect(m.name).toEqual([...UR_JOINTS, 'finger_joint']);
      for (const field of [m.position, m.velocity, m.effort]) {
        expect(Array.from(field)).toHaveLength(7);
        expect(Array.from(field).every(Number.isFinite)).toBe(true);
      }
      // Stamps come from the sim clock at 2 ms steps, and increase.
      const stamps = js.map((j) => fromRosTime(j.header.stamp));
      for (let i = 1; i < stamps.length; i++) expect(stamps[i] - stamps[i - 1]).toBeCloseTo(0.002, 4);
      expect(Math.abs(stamps[0] - Date.now() / 1000)).toBeLessThan(5);
      const f = wrench[0].wrench.force;
      expect(Object.keys(f).sort()).toEqual(['x', 'y', 'z']);
      // At rest the sensor carries the gripper's weight: a few newtons, not zero, not hundreds.
      const fn = Math.hypot(f.x, f.y, f.z);
      expect(fn).toBeGreaterThan(0.5);
      expect(fn).toBeLessThan(100);
      expect(mode[0].mode).toBe(SAFETY_MODE.NORMAL);
      expect(scaling[0].data).toBe(100);
    });

    it(`publishes both cameras as JPEG of the configured size (${compression})`, async () => {
      for (const name of ['scene', 'wrist']) {
        const [img] = await take<CompressedImage>(ros, cameraTopic(name), CAMERA_TYPE, 1, compression);
        expect(img.format).toBe('jpeg');
        const decoded = jpeg.decode(imageBytes(img), { useTArray: true });
        expect([decoded.width, decoded.height]).toEqual([160, 120]);
      }
    });
  }

  it('answers the task services and shows the cube move in the scene camera', async () => {
    const before = imageBytes((await take<CompressedImage>(ros, cameraTopic('scene'), CAMERA_TYPE))[0]);
    const poses0 = (await take<{ names: string[]; poses: { position: { x: number; y: number } }[] }>(
      ros, SIM_TOPICS.objectPoses.name, SIM_TOPICS.objectPoses.type))[0];
    const res = await call<object, TriggerResponse>(ros, SIM_SERVICES.reset.name, SIM_SERVICES.reset.type, { task: 'pick_place', seed: 11 });
    expect(res.success).toBe(true);
    const bad = await call<object, TriggerResponse>(ros, SIM_SERVICES.reset.name, SIM_SERVICES.reset.type, { task: 'juggle', seed: 1 });
    expect(bad.success).toBe(false);
    expect(bad.message).toMatch(/unknown task 'juggle'.*pick_place/);
    const { setDisturbance } = SIM_SERVICES;
    const disturb = await call<object, TriggerResponse>(ros, setDisturbance.name, setDisturbance.type, { sigma: 0.05, tau: 0, seed: 4 });
    expect(disturb).toEqual({ success: true, message: 'velocity disturbance σ 0.05 rad/s, τ 0.3 s, seed 4 until the next reset' });
    const tooBig = await call<object, TriggerResponse>(ros, setDisturbance.name, setDisturbance.type, { sigma: 3, tau: 0.3, seed: 4 });
    expect(tooBig).toEqual({ success: false, message: 'sigma must be a std in rad/s in [0, 1], got 3' });
    await call<object, TriggerResponse>(ros, setDisturbance.name, setDisturbance.type, { sigma: 0, tau: 0, seed: 0 });
    await new Promise((r) => setTimeout(r, 300));
    const poses1 = (await take<typeof poses0>(ros, SIM_TOPICS.objectPoses.name, SIM_TOPICS.objectPoses.type))[0];
    const cube = poses0.names.indexOf('cube');
    expect(cube).toBeGreaterThanOrEqual(0);
    const moved = Math.hypot(
      poses1.poses[cube].position.x - poses0.poses[cube].position.x,
      poses1.poses[cube].position.y - poses0.poses[cube].position.y,
    );
    expect(moved).toBeGreaterThan(0.01);
    const after = imageBytes((await take<CompressedImage>(ros, cameraTopic('scene'), CAMERA_TYPE))[0]);
    const a = jpeg.decode(before, { useTArray: true }).data;
    const b = jpeg.decode(after, { useTArray: true }).data;
    let changed = 0;
    for (let i = 0; i < a.length; i += 4) if (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) > 60) changed++;
    // The cube (and target) moved: a visible patch of pixels changed.
    expect(changed).toBeGreaterThan(20);
  });

  it('holds the last velocity command forever, like forward_velocity_controller (the bridge must send zeros)', async () => {
    publishVelocity(ros, [0.2, 0, 0, 0, 0, 0]);
    await new Promise((r) => setTimeout(r, 1500));
    const [late] = await take<JointState>(ros, UR_TOPICS.jointStates.name, UR_TOPICS.jointStates.type);
    // 1.5 s after the only command, the base still turns at the commanded speed.
    expect(late.velocity[0]).toBeCloseTo(0.2, 2);
    // Non-finite values are dropped: the held command stays.
    publishVelocity(ros, [Number.NaN, 0, 0, 0, 0, 0]);
    await new Promise((r) => setTimeout(r, 200));
    const [still] = await take<JointState>(ros, UR_TOPICS.jointStates.name, UR_TOPICS.jointStates.type);
    expect(still.velocity[0]).toBeCloseTo(0.2, 2);
    publishVelocity(ros, [0, 0, 0, 0, 0, 0]);
    await new Promise((r) => setTimeout(r, 500));
    const [stopped] = await take<JointState>(ros, UR_TOPICS.jointStates.name, UR_TOPICS.jointStates.type);
    expect(Math.abs(stopped.velocity[0])).toBeLessThan(0.01);
  });

  it('stop and play services gate commands like the UR program state', async () => {
    const stop = await call<object, TriggerResponse>(ros, UR_SERVICES.stop.name, UR_SERVICES.stop.type, {});
    expect(stop.success).toBe(true);
    publishVelocity(ros, [0, 0, 0, 0, 0, 0.3]);
    await new Promise((r) => setTimeout(r, 300));
    const [js] = await take<JointState>(ros, UR_TOPICS.jointStates.name, UR_TOPICS.jointStates.type);
    expect(Math.abs(js.velocity[5])).toBeLessThan(0.01);
    await call(ros, UR_SERVICES.play.name, UR_SERVICES.play.type, {});
    const unlock = await call<object, TriggerResponse>(ros, UR_SERVICES.unlockProtectiveStop.name, UR_SERVICES.unlockProtectiveStop.type, {});
    expect(typeof unlock.success).toBe('boolean');
    expect(typeof unlock.message).toBe('string');
  });

  it('survives hostile frames while another client keeps receiving', async () => {
    let received = 0;
    const watcher = new Topic({ ros, name: UR_TOPICS.jointStates.name, messageType: UR_TOPICS.jointStates.type });
    watcher.subscribe(() => received++);
    const bad = new WebSocket(sim.url);
    await new Promise((r) => bad.once('open', r));
    bad.send('this is not json');
    bad.send(JSON.stringify({ op: 'teleport', topic: 42 }));
    bad.send(JSON.stringify({ op: 'publish', topic: UR_TOPICS.velocityCommand.name, msg: { data: 'fast' } }));
    for (let i = 0; i < 5000; i++) bad.send(JSON.stringify({ op: 'publish', topic: '/flood', msg: { data: i } }));
    const closed = new Promise((r) => bad.once('close', r));
    bad.send(Buffer.alloc(50 * 1024 * 1024, 0x7b));
    await closed;
    const before = received;
    await new Promise((r) => setTimeout(r, 500));
    watcher.unsubscribe();
    expect(received - before).toBeGreaterThan(50);
    // Each bad frame was logged as an error for that client.
    expect(logs.some((l) => l.startsWith('error') && /not json|JSON/i.test(l))).toBe(true);
    expect(logs.some((l) => l.startsWith('error') && /teleport/.test(l))).toBe(true);
    expect(logs.some((l) => l.startsWith('error') && /payload/i.test(l))).toBe(true);
    // The arm did not take the malformed command.
    const [js] = await take<JointState>(ros, UR_TOPICS.jointStates.name, UR_TOPICS.jointStates.type);
    expect(Math.abs(js.velocity[0])).toBeLessThan(0.01);
  });
});
