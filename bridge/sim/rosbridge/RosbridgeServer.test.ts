// The server as a roslib 2.x client sees it, over a real websocket: the
// shapes roslib yields must be the ones it yields against rosbridge_server.
import { type Ros, Service, Topic } from 'roslib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRos } from '../../src/ros/connectRos.ts';
import { type PublishedTopic, RosbridgeServer } from './RosbridgeServer.ts';

const JOINT_STATE = 'sensor_msgs/msg/JointState';
const IMAGE = 'sensor_msgs/msg/CompressedImage';

interface JointState {
  header: { stamp: { sec: number; nanosec: number }; frame_id: string };
  name: string[];
  position: ArrayLike<number>;
  velocity: ArrayLike<number>;
  effort: ArrayLike<number>;
}

function jointState(i: number): JointState {
  return {
    header: { stamp: { sec: 100 + i, nanosec: 5 }, frame_id: 'base_link' },
    name: ['shoulder_pan_joint', 'elbow_joint'],
    position: [0.25 + i, -1.5],
    velocity: new Float64Array([0.125, 0]), // typed arrays from the cell work too
    effort: [],
  };
}

/** Collects a topic's messages; `next()` resolves with the next one. */
function collect<T>(ros: Ros, name: string, type: string, extra: Record<string, unknown> = {}) {
  const topic = new Topic<T>({ ros, name, messageType: type, ...extra });
  const got: T[] = [];
  let waiters: { n: number; resolve: () => void }[] = [];
  topic.subscribe((m) => {
    got.push(m);
    waiters = waiters.filter((w) => (got.length >= w.n ? (w.resolve(), false) : true));
  });
  return {
    topic,
    got,
    /** Resolves once `n` messages in total have arrived. */
    count: (n: number) => new Promise<void>((resolve) => (got.length >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

/** A service round trip: every frame the server sent this client before the reply has arrived. */
function roundTrip(ros: Ros): Promise<void> {
  return new Promise((resolve, reject) =>
    new Service({ ros, name: '/rosapi/nodes', serviceType: 'rosapi/Nodes' }).callService({}, () => resolve(), reject),
  );
}

function call<Res>(ros: Ros, name: string, type: string, req: object = {}): Promise<Res> {
  return new Promise((resolve, reject) =>
    new Service<object, Res>({ ros, name, serviceType: type }).callService(req, resolve, reject),
  );
}

const logs: string[] = [];
let server: RosbridgeServer;
let joints: PublishedTopic<JointState>;
let images: PublishedTopic<{ header: JointState['header']; format: string; data: Uint8Array }>;
const clients: Ros[] = [];
async function client(): Promise<Ros> {
  const ros = await connectRos(server.url);
  clients.push(ros);
  return ros;
}

beforeAll(async () => {
  server = await RosbridgeServer.start({ port: 0, log: (level, msg) => logs.push(`${level} ${msg}`) });
  joints = server.advertise('/joint_states', JOINT_STATE);
  images = server.advertise('/camera/scene/image_raw/compressed', IMAGE);
});

afterAll(async () => {
  for (const ros of clients) ros.close();
  await server.close();
});

describe('RosbridgeServer with a roslib client', () => {
  it('delivers JointState as JSON (number arrays) and as CBOR (Float64Array, tag 86)', async () => {
    const ros = await client();
    const json = collect<JointState>(ros, '/joint_states', JOINT_STATE);
    const cbor = collect<JointState>(ros, 'joint_states', 'sensor_msgs/JointState', { compression: 'cbor' });
    await roundTrip(ros);
    expect(joints.subscriberCount).toBe(2);
    joints.publish(jointState(1));
    await Promise.all([json.count(1), cbor.count(1)]);

    const j = json.got[0];
    expect(j.header).toEqual({ stamp: { sec: 101, nanosec: 5 }, frame_id: 'base_link' });
    expect(j.name).toEqual(['shoulder_pan_joint', 'elbow_joint']);
    expect(Array.isArray(j.position)).toBe(true);
    expect(j.position).toEqual([1.25, -1.5]);
    expect(j.velocity).toEqual([0.125, 0]);
    expect(j.effort).toEqual([]);

    const c = cbor.got[0];
    expect(c.position).toBeInstanceOf(Float64Array);
    expect(Array.from(c.position)).toEqual([1.25, -1.5]);
    expect(c.velocity).toBeInstanceOf(Float64Array);
    expect(Array.from(c.velocity)).toEqual([0.125, 0]);
    expect(c.effort).toBeInstanceOf(Float64Array);
    expect(c.name).toEqual(['shoulder_pan_joint', 'elbow_joint']);
    expect(c.header).toEqual(j.header);
    json.topic.unsubscribe();
    cbor.topic.unsubscribe();
  });

  it('delivers CompressedImage data as base64 in JSON and as bytes in CBOR', async () => {
    const ros = await client();
    type Img = { header: unknown; format: string; data: string | Uint8Array };
    const json = collect<Img>(ros, '/camera/scene/image_raw/compressed', IMAGE);
    const cbor = collect<Img>(await client(), '/camera/scene/image_raw/compressed', IMAGE, { compression: 'cbor' });
    await roundTrip(ros);
    await roundTrip(clients[clients.length - 1]);
    const bytes = new Uint8Array(3000).map((_, i) => (i * 7) % 256);
    images.publish({ header: jointState(0).header, format: 'jpeg', data: bytes });
    await Promise.all([json.count(1), cbor.count(1)]);
    expect(json.got[0].format).toBe('jpeg');
    expect(typeof json.got[0].data).toBe('string');
    expect(new Uint8Array(Buffer.from(json.got[0].data as string, 'base64'))).toEqual(bytes);
    expect(cbor.got[0].data).toBeInstanceOf(Uint8Array);
    expect(new Uint8Array(cbor.got[0].data as Uint8Array)).toEqual(bytes);
  });

  it("answers compression 'png' with plain JSON, which roslib reads the same", async () => {
    const ros = await client();
    const png = collect<JointState>(ros, '/joint_states', JOINT_STATE, { compression: 'png' });
    await roundTrip(ros);
    joints.publish(jointState(2));
    await png.count(1);
    expect(png.got[0].position).toEqual([2.25, -1.5]);
    expect(logs.some((l) => l.startsWith('warn') && l.includes("compression 'png'"))).toBe(true);
    png.topic.unsubscribe();
  });

  it('fills missing fields with ROS defaults and drops fields the type does not have', async () => {
    const ros = await client();
    const json = collect<Record<string, unknown>>(ros, '/joint_states', JOINT_STATE);
    await roundTrip(ros);
    joints.publish({ name: ['a'], position: [1], extra: 'not in JointState' } as unknown as JointState);
    await json.count(1);
    expect(json.got[0]).toEqual({
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
      name: ['a'],
      position: [1],
      velocity: [],
      effort: [],
    });
    json.topic.unsubscribe();
  });

  it('honours throttle_rate: messages inside the window are dropped, later ones pass', async () => {
    const ros = await client();
    const throttled = collect<JointState>(ros, '/joint_states', JOINT_STATE, { throttle_rate: 60_000 });
    const full = collect<JointState>(await client(), '/joint_states', JOINT_STATE);
    await roundTrip(ros);
    await roundTrip(clients[clients.length - 1]);
    for (let i = 0; i < 50; i++) joints.publish(jointState(i));
    await full.count(50);
    await roundTrip(ros);
    expect(throttled.got.map((m) => m.header.stamp.sec)).toEqual([100]);

    // A short window lets the next message through once it has passed.
    const ros2 = await client();
    const short = collect<JointState>(ros2, '/joint_states', JOINT_STATE, { throttle_rate: 20 });
    await roundTrip(ros2);
    joints.publish(jointState(1));
    joints.publish(jointState(2));
    await short.count(1);
    await new Promise((r) => setTimeout(r, 60));
    joints.publish(jointState(3));
    await short.count(2);
    await roundTrip(ros2);
    expect(short.got.map((m) => m.header.stamp.sec)).toEqual([101, 103]);
  });

  it('with queue_length, keeps the newest message of a throttled burst instead of dropping it', async () => {
    const ros = await client();
    const q = collect<JointState>(ros, '/joint_states', JOINT_STATE, { throttle_rate: 30, queue_length: 1 });
    await roundTrip(ros);
    for (let i = 0; i < 20; i++) joints.publish(jointState(i));
    await q.count(2);
    await roundTrip(ros);
    expect(q.got.map((m) => m.header.stamp.sec)).toEqual([100, 119]);
  });

  it('replays the last message of a latched topic to a new subscriber, and only that one', async () => {
    const mode = server.advertise<{ mode: number }>('/io_and_status_controller/safety_mode', 'ur_dashboard_msgs/msg/SafetyMode', { latched: true });
    const plain = server.advertise<{ data: number }>('/speed_scaling', 'std_msgs/msg/Float64');
    mode.publish({ mode: 3 });
    mode.publish({ mode: 1 });
    plain.publish({ data: 0.5 });
    const ros = await client();
    const latched = collect<{ mode: number }>(ros, '/io_and_status_controller/safety_mode', 'ur_dashboard_msgs/msg/SafetyMode');
    const notLatched = collect<{ data: number }>(ros, '/speed_scaling', 'std_msgs/msg/Float64');
    await latched.count(1);
    await roundTrip(ros);
    expect(latched.got).toEqual([{ mode: 1 }]);
    expect(notLatched.got).toEqual([]);
  });

  it('hands client publishes to a cell subscriber, type-checked and with defaults', async () => {
    const got: { msg: { data: number[]; layout: unknown }; client: number }[] = [];
    const stop = server.subscribe<{ data: number[]; layout: unknown }>(
      '/forward_velocity_controller/commands', 'std_msgs/msg/Float64MultiArray',
      (msg, c) => got.push({ msg, client: c.id }),
    );
    const ros = await client();
    const cmd = new Topic({ ros, name: '/forward_velocity_controller/commands', messageType: 'std_msgs/msg/Float64MultiArray' });
    cmd.publish({ data: [0.1, 0, 0, 0, 0, -0.1] });
    await roundTrip(ros);
    expect(got).toHaveLength(1);
    expect(got[0].msg).toEqual({ layout: { dim: [], data_offset: 0 }, data: [0.1, 0, 0, 0, 0, -0.1] });
    expect(got[0].client).toBeGreaterThan(0);
    stop();
  });

  it('serves std_srvs/srv/Trigger and answers result:false for failures and unknown services', async () => {
    let calls = 0;
    server.advertiseService('/dashboard_client/stop', 'std_srvs/srv/Trigger', () => {
      calls++;
      return { success: true, message: 'Stopped' };
    });
    server.advertiseService('/dashboard_client/play', 'std_srvs/srv/Trigger', async () => {
      throw new Error('robot is in protective stop');
    });
    const ros = await client();
    await expect(call(ros, '/dashboard_client/stop', 'std_srvs/srv/Trigger')).resolves.toEqual({ success: true, message: 'Stopped' });
    expect(calls).toBe(1);
    await expect(call(ros, '/dashboard_client/play', 'std_srvs/srv/Trigger')).rejects.toBe('robot is in protective stop');
    await expect(call(ros, '/no/such/service', 'std_srvs/srv/Trigger')).rejects.toBe('Service /no/such/service does not exist');
  });

  it('answers rosapi introspection with ROS 2 type names', async () => {
    const ros = await client();
    const topics = await new Promise<{ topics: string[]; types: string[] }>((res, rej) => ros.getTopics(res, rej));
    const i = topics.topics.indexOf('/joint_states');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(topics.types[i]).toBe(JOINT_STATE);
    expect(topics.topics).toContain('/client_count');
    expect(await new Promise((res, rej) => ros.getTopicType('/camera/scene/image_raw/compressed', res, rej))).toBe(IMAGE);
    expect(await new Promise((res, rej) => ros.getTopicType('/nope', res, rej))).toBe('');
    const services = await new Promise<string[]>((res, rej) => ros.getServices(res, rej));
    expect(services).toEqual(expect.arrayContaining(['/rosapi/topics', '/rosapi/topic_type', '/rosapi/services']));
    expect(await new Promise((res, rej) => ros.getServiceType('/rosapi/topics', res, rej))).toBe('rosapi_msgs/srv/Topics');
    expect(await new Promise((res, rej) => ros.getNodes(res, rej))).toEqual(['/rosapi', '/rosbridge_websocket']);
    expect(await new Promise((res, rej) => ros.getTopicsForType(JOINT_STATE, res, rej))).toEqual(['/joint_states']);
  });

  it('routes one client\'s publishes to other clients, JSON and CBOR, including latched replay', async () => {
    const a = await client();
    const b = await client();
    const c = await client();
    const pub = new Topic({ ros: a, name: '/chatter', messageType: 'std_msgs/msg/Float64MultiArray', latch: true });
    pub.advertise();
    await roundTrip(a);
    const jb = collect<{ data: ArrayLike<number> }>(b, '/chatter', 'std_msgs/msg/Float64MultiArray');
    const cc = collect<{ data: ArrayLike<number> }>(c, '/chatter', 'std_msgs/msg/Float64MultiArray', { compression: 'cbor' });
    await roundTrip(b);
    await roundTrip(c);
    pub.publish({ data: [1, 2.5] });
    await Promise.all([jb.count(1), cc.count(1)]);
    expect(jb.got[0].data).toEqual([1, 2.5]);
    expect(cc.got[0].data).toBeInstanceOf(Float64Array);
    expect(Array.from(cc.got[0].data)).toEqual([1, 2.5]);
    // A client joining later gets the latched message.
    const late = collect<{ data: number[] }>(await client(), '/chatter', 'std_msgs/msg/Float64MultiArray');
    await late.count(1);
    expect(late.got[0].data).toEqual([1, 2.5]);
  });

  it('forwards calls to a service a client advertised and returns its response', async () => {
    const provider = await client();
    const svc = new Service<{ data: boolean }, { success: boolean; message: string }>({
      ros: provider, name: '/gripper/enable', serviceType: 'std_srvs/srv/SetBool',
    });
    await svc.advertiseAsync(async (req) => ({ success: req.data, message: `enable=${req.data}` }));
    await roundTrip(provider);
    const caller = await client();
    await expect(call(caller, '/gripper/enable', 'std_srvs/srv/SetBool', { data: true })).resolves.toEqual({
      success: true, message: 'enable=true',
    });
  });

  it('cleans up a disconnected client\'s subscriptions', async () => {
    const ros = await connectRos(server.url);
    const before = images.subscriberCount;
    const t = collect(ros, '/camera/scene/image_raw/compressed', IMAGE);
    await roundTrip(ros);
    expect(images.subscriberCount).toBe(before + 1);
    const n = server.clientCount();
    ros.close();
    await new Promise<void>((resolve) => {
      const poll = () => (server.clientCount() < n ? resolve() : setTimeout(poll, 5));
      poll();
    });
    expect(images.subscriberCount).toBe(before);
    void t;
  });

  it('sends no status frames on success (rosbridge does not)', async () => {
    const ros = await client();
    const statuses: unknown[] = [];
    ros.on('status', (m) => statuses.push(m));
    const t = collect<JointState>(ros, '/joint_states', JOINT_STATE);
    await roundTrip(ros);
    joints.publish(jointState(0));
    await t.count(1);
    await roundTrip(ros);
    expect(statuses).toEqual([]);
    // The only errors so far are the two failed service calls above.
    const errors = logs.filter((l) => l.startsWith('error'));
    expect(errors).toHaveLength(2);
    expect(errors.join('\n')).toContain('Service /no/such/service does not exist');
    expect(errors.join('\n')).toContain('robot is in protective stop');
  });
});
