// The ur-ros1 and servo profiles against scripted rosbridge peers speaking
// their drivers' message types (real protocol, real websocket, real roslib).
import { afterEach, describe, expect, it } from 'vitest';
import { RosbridgeServer } from '../../sim/rosbridge/RosbridgeServer.ts';
import type { CameraFrame, CellStatusSample, JointSample, WrenchSample } from '../cell/Cell.ts';
import { RosCellConnection } from '../cell/RosCellConnection.ts';
import { CellController } from '../control/CellController.ts';
import { getProfile, listProfiles } from './index.ts';

const UR = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint', 'wrist_3_joint'];
/** The same joints in a driver's own order, plus a joint that is not the arm's. */
const SHUFFLED = ['wrist_3_joint', 'elbow_joint', 'tool_changer_joint', 'shoulder_pan_joint', 'wrist_1_joint', 'shoulder_lift_joint', 'wrist_2_joint'];
const POSITION: Record<string, number> = {
  shoulder_pan_joint: 0.1,
  shoulder_lift_joint: -1.2,
  elbow_joint: 1.3,
  wrist_1_joint: -1.4,
  wrist_2_joint: -1.5,
  wrist_3_joint: 0.6,
  tool_changer_joint: 9,
};
const quiet = () => {};

async function waitFor(pred: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** Publish shuffled joint states every 4 ms of wall time with a synthetic cell clock advancing 4 ms each. */
function publishJoints(publish: (stamp: number) => void): void {
  let t = 5000;
  const timer = setInterval(() => publish((t += 0.004)), 4);
  cleanup.push(() => clearInterval(timer));
}

describe('profile registry', () => {
  it('lists ur, ur-ros1 and servo and names the known ones on a typo', () => {
    expect(listProfiles().map((p) => p.name)).toEqual(['ur', 'ur-ros1', 'servo']);
    expect(() => getProfile('ur5')).toThrow(/unknown robot profile "ur5": expected one of ur, ur-ros1, servo/);
  });
});

describe('ur cameras', () => {
  it('delivers JPEG bytes from CBOR byte strings and from JSON base64 alike', async () => {
    const server = await RosbridgeServer.start({ port: 0, log: quiet });
    cleanup.push(() => server.close());
    const cam = server.advertise('/camera/wrist/image_raw/compressed', 'sensor_msgs/msg/CompressedImage');
    const jpeg = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 255);
    const timer = setInterval(() => cam.publish({ header: { stamp: { sec: 7, nanosec: 0 }, frame_id: 'wrist' }, format: 'jpeg', data: jpeg }), 20);
    cleanup.push(() => clearInterval(timer));
    const cbor = getProfile('ur').createAdapter({ cameras: ['wrist'] });
    const json = { ...cbor, subscriptions: cbor.subscriptions.map((x) => ({ ...x, compression: 'none' as const })) };
    for (const adapter of [cbor, json]) {
      const conn = await RosCellConnection.connect({ url: server.url, adapter });
      cleanup.push(() => conn.close());
      let frame: CameraFrame | undefined;
      conn.on('camera', (f) => (frame = f));
      await waitFor(() => frame !== undefined, 'a camera frame');
      expect(frame).toMatchObject({ camera: 'wrist', stamp: 7, format: 'jpeg' });
      expect(Array.from(frame!.data)).toEqual(Array.from(jpeg));
    }
  });
});

describe('ur-ros1 against a ROS 1 rosbridge', () => {
  it('maps joints by name, reads {secs, nsecs} stamps, scales and publishes in ROS 1 types', async () => {
    const server = await RosbridgeServer.start({
      port: 0,
      log: quiet,
      // ROS 1 time and header: what rosbridge on Noetic sends.
      messageDefinitions: {
        'builtin_interfaces/msg/Time': 'int32 secs\nint32 nsecs',
        'std_msgs/msg/Header': 'uint32 seq\nbuiltin_interfaces/Time stamp\nstring frame_id',
      },
    });
    cleanup.push(() => server.close());
    const joints = server.advertise('/joint_states', 'sensor_msgs/JointState');
    const wrench = server.advertise('/wrench', 'geometry_msgs/WrenchStamped');
    server.advertise('/ur_hardware_interface/safety_mode', 'ur_dashboard_msgs/SafetyMode', { latched: true }).publish({ mode: 1 });
    const scaling = server.advertise('/speed_scaling_factor', 'std_msgs/Float64');
    const commands: number[][] = [];
    server.subscribe<{ data: number[] }>('/joint_group_vel_controller/command', 'std_msgs/Float64MultiArray', (m) => commands.push([...m.data]));
    publishJoints((t) => {
      const stamp = { secs: Math.floor(t), nsecs: Math.round((t - Math.floor(t)) * 1e9) };
      joints.publish({ header: { seq: 1, stamp, frame_id: '' }, name: SHUFFLED, position: SHUFFLED.map((n) => POSITION[n]), velocity: SHUFFLED.map(() => 0), effort: [] });
      wrench.publish({ header: { seq: 1, stamp, frame_id: 'tool0' }, wrench: { force: { x: 1, y: 2, z: 3 }, torque: { x: 0.1, y: 0.2, z: 0.3 } } });
      scaling.publish({ data: 0.5 });
    });

    const adapter = getProfile('ur-ros1').createAdapter();
    const conn = await RosCellConnection.connect({ url: server.url, adapter });
    cleanup.push(() => conn.close());
    let sample: JointSample | undefined;
    let w: WrenchSample | undefined;
    let status: CellStatusSample | undefined;
    conn.on('joints', (s) => (sample = s));
    conn.on('wrench', (x) => (w = x));
    conn.on('status', (s) => (status = s));
    await waitFor(() => sample !== undefined && w !== undefined && status?.speedScaling === 0.5 && status.safetyMode === 1, 'joints, wrench and status');
    expect(sample!.position).toEqual(UR.map((n) => POSITION[n]));
    expect(sample!.stamp).toBeGreaterThan(5000);
    expect(sample!.stamp).toBeLessThan(5000 + 60);
    expect(w!.force).toEqual([1, 2, 3]);
    expect(conn.description).toMatchObject({ profile: 'ur-ros1', arm: 'ur5e', hasGripper: false, jointNames: UR });

    // Through the controller: a jog of joint 2 comes out on the ROS 1 topic, in command order.
    const ctl = new CellController({ connection: conn, arm: adapter.arm });
    cleanup.push(() => ctl.close());
    await waitFor(() => ctl.status().gates.connection && ctl.status().gates.safetyMode, 'gates open');
    ctl.acquireLease('op');
    await waitFor(() => {
      ctl.jogJoints('op', [0, 0, 0.2, 0, 0, 0]);
      return commands.some((c) => c[2] > 0.1);
    }, 'a jog command on /joint_group_vel_controller/command');
    const moving = commands.filter((c) => c[2] > 0);
    expect(moving.every((c) => c.length === 6 && c[0] === 0 && c[1] === 0 && c[3] === 0 && c[4] === 0 && c[5] === 0)).toBe(true);
  });
});

describe('servo against a MoveIt Servo rosbridge', () => {
  it('sends stamped JointJog commands and closes the safety-mode gate on a servo halt', async () => {
    const server = await RosbridgeServer.start({
      port: 0,
      log: quiet,
      messageDefinitions: {
        'control_msgs/msg/JointJog': 'std_msgs/Header header\nstring[] joint_names\nfloat64[] displacements\nfloat64[] velocities\nfloat64 duration',
        'std_msgs/msg/Int8': 'int8 data',
      },
    });
    cleanup.push(() => server.close());
    const joints = server.advertise('/joint_states', 'sensor_msgs/msg/JointState');
    const status = server.advertise('/servo_node/status', 'std_msgs/msg/Int8', { latched: true });
    status.publish({ data: 0 });
    interface Jog { header: { stamp: { sec: number; nanosec: number } }; joint_names: string[]; velocities: number[] }
    const jogs: Jog[] = [];
    server.subscribe<Jog>('/servo_node/delta_joint_cmds', 'control_msgs/msg/JointJog', (m) => jogs.push({ ...m, velocities: [...m.velocities] }));
    let latestStamp = 0;
    publishJoints((t) => {
      latestStamp = t;
      const stamp = { sec: Math.floor(t), nanosec: Math.round((t - Math.floor(t)) * 1e9) };
      joints.publish({ header: { stamp, frame_id: '' }, name: SHUFFLED, position: SHUFFLED.map((n) => POSITION[n]), velocity: SHUFFLED.map(() => 0), effort: [] });
    });

    const adapter = getProfile('servo').createAdapter();
    const conn = await RosCellConnection.connect({ url: server.url, adapter });
    cleanup.push(() => conn.close());
    const ctl = new CellController({ connection: conn, arm: adapter.arm });
    cleanup.push(() => ctl.close());
    await waitFor(() => ctl.status().gates.connection && ctl.status().gates.safetyMode, 'gates open');
    expect(ctl.acquireLease('op').accepted).toBe(true);
    await waitFor(() => {
      ctl.jogJoints('op', [0.2, 0, 0, 0, 0, -0.2]);
      return jogs.some((j) => j.velocities[0] > 0.1);
    }, 'a JointJog with motion');
    const jog = jogs.find((j) => j.velocities[0] > 0.1)!;
    expect(jog.joint_names).toEqual(UR);
    expect(jog.velocities[5]).toBeCloseTo(-jog.velocities[0], 9);
    // Stamped on the cell's clock (the synthetic 5000 s one), not the bridge's wall clock.
    const stamp = jog.header.stamp.sec + jog.header.stamp.nanosec * 1e-9;
    expect(stamp).toBeGreaterThan(5000);
    expect(stamp).toBeLessThanOrEqual(latestStamp + 1e-6);

    // HALT_FOR_COLLISION: the gate closes, zeros go out, jogs are refused.
    status.publish({ data: 4 });
    await waitFor(() => !ctl.status().gates.safetyMode, 'the safety-mode gate to close');
    expect(ctl.status().safetyMode).toBe(3);
    const n = jogs.length;
    expect(ctl.jogJoints('op', [0.2, 0, 0, 0, 0, -0.2]).accepted).toBe(false);
    await waitFor(() => jogs.length > n + 5, 'more commands');
    expect(jogs.slice(n).every((j) => j.velocities.every((v) => v === 0))).toBe(true);

    // Back to NO_WARNING: the gate reopens but nothing moves until a new command.
    status.publish({ data: 0 });
    await waitFor(() => ctl.status().gates.safetyMode, 'the gate to reopen');
    const m = jogs.length;
    await waitFor(() => jogs.length > m + 10, 'more commands');
    expect(jogs.slice(m).every((j) => j.velocities.every((v) => v === 0))).toBe(true);
  });
});
