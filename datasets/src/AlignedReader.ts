import { McapIndexedReader } from '@mcap/core';
import type { McapTypes } from '@mcap/core';

import { decodeAligned, encodeAligned, type AlignedCache } from './alignedCache.ts';
import { decodeJpegRgb, resizeRgb } from './images.ts';
import { crc32 } from './mcap/crc32.ts';
import { Ros2Codec } from './ros2/Ros2Codec.ts';
import { fullTypeName } from './ros2/definitions.ts';
import { EPISODE_TOPICS, GRIPPER_JOINT, cameraNameOf } from './ros2/messages.ts';

export type AlignOptions = {
  /** Output rate, Hz (e.g. 10 or 30). */
  rate: number;
  /** A camera frame is used only if its stamp is within this many seconds of the frame time. Default half a 30 Hz period. */
  cameraTolerance?: number;
  /** A state older than this (s) at a frame time is stale and marked invalid. Default 0.1 s. */
  maxStateAge?: number;
  /** Resize every camera to this size; default each camera's native size. */
  imageSize?: { width: number; height: number };
  /** Cameras to read, by name (`scene`, `wrist`); default all. */
  cameras?: string[];
};

/** One vector feature: `length × dim` floats, row major; invalid rows are NaN. */
export type AlignedFeature = { names: string[]; dim: number; data: Float32Array; valid: Uint8Array };
/** One camera: `length × height × width × 3` RGB bytes; invalid frames are zero. */
export type AlignedCamera = {
  width: number;
  height: number;
  channels: 3;
  data: Uint8Array;
  valid: Uint8Array;
  /** Source stamp of the frame used, NaN where invalid. */
  stamps: Float64Array;
};

/**
 * An episode on a fixed time grid: frame i is at `timestamps[i]` (epoch s).
 * Feature keys: `observation.joint_position` (rad), `observation.joint_velocity`
 * (rad/s), `observation.gripper` (finger_joint, rad), `observation.wrench`
 * (N, N·m), `action` (commanded joint velocities rad/s, then gripper rad),
 * `safety_mode` (ur SafetyMode code).
 */
export type AlignedEpisode = {
  rate: number;
  length: number;
  timestamps: Float64Array;
  features: Record<string, AlignedFeature>;
  cameras: Record<string, AlignedCamera>;
};

type Series = { stamps: number[]; values: number[]; dim: number; names: string[] };

/** Slack for comparing float epoch seconds (see hold). */
const EPSILON = 1e-6;

const WRENCH_NAMES = ['force.x', 'force.y', 'force.z', 'torque.x', 'torque.y', 'torque.z'];

/**
 * Reads an episode aligned to a fixed rate for training or export. Alignment
 * uses source stamps (MCAP publishTime = header.stamp), never receive times:
 *
 * - states and actions: zero-order hold of the latest message with stamp ≤ t,
 *   invalid (NaN) before the first message or when older than `maxStateAge`;
 * - cameras: the frame with the nearest stamp, if within `cameraTolerance`,
 *   else invalid. A frame is never interpolated or invented.
 *
 * The grid starts when every state stream has a message and ends at the last
 * time they all have one. Results are cached (JPEG decoding dominates) under a
 * key of the file's fingerprint and the options, so a trainer reading every
 * epoch decodes once.
 */
export class AlignedReader {
  readonly reader: McapIndexedReader;
  #cache?: AlignedCache;
  #cacheKey: string;
  #fingerprint: string;

  private constructor(reader: McapIndexedReader, size: bigint, options: { cache?: AlignedCache; cacheKey?: string }) {
    this.reader = reader;
    this.#cache = options.cache;
    this.#cacheKey = options.cacheKey ?? 'episode';
    this.#fingerprint = `${size}:${reader.dataEndOffset}:${reader.dataSectionCrc ?? 0}:${reader.footer.summaryCrc}`;
  }

  static async Initialize(options: {
    readable: McapTypes.IReadable;
    cache?: AlignedCache;
    /** Names the episode in cache keys (e.g. `000000`). */
    cacheKey?: string;
  }): Promise<AlignedReader> {
    const reader = await McapIndexedReader.Initialize({ readable: options.readable });
    return new AlignedReader(reader, await options.readable.size(), options);
  }

  /** Camera names present in the file. */
  get cameras(): string[] {
    return [...this.reader.channelsById.values()].map((c) => cameraNameOf(c.topic)).filter((n): n is string => n != undefined);
  }

  /** Cache key for a read with these options. */
  cacheKeyFor(options: AlignOptions): string {
    const normalized = JSON.stringify({ ...defaults(options), fingerprint: this.#fingerprint });
    const hash = crc32(new TextEncoder().encode(normalized)).toString(16).padStart(8, '0');
    return `${this.#cacheKey}-${options.rate}hz-${hash}`;
  }

  async read(options: AlignOptions): Promise<AlignedEpisode> {
    if (!(options.rate > 0)) throw new Error(`Expected a positive rate in Hz, found ${options.rate}`);
    const key = this.cacheKeyFor(options);
    const cached = await this.#cache?.get(key);
    if (cached) return decodeAligned(cached);
    const episode = await this.#align(options);
    await this.#cache?.set(key, encodeAligned(episode));
    return episode;
  }

  async #align(options: AlignOptions): Promise<AlignedEpisode> {
    const o = defaults(options);
    const channels = [...this.reader.channelsById.values()];
    const byTopic = new Map(channels.map((c) => [c.topic, c]));
    const schemaOf = (c: McapTypes.Channel) => this.reader.schemasById.get(c.schemaId)!;
    const codecOf = (c: McapTypes.Channel) => {
      const schema = schemaOf(c);
      return Ros2Codec.for(schema.name, new TextDecoder().decode(schema.data));
    };

    const series: Record<string, Series> = {};
    const joints = byTopic.get(EPISODE_TOPICS.jointStates.topic);
    let jointNames: string[] = [];
    if (joints) {
      const { position, velocity, gripper, names } = await this.#readJointStates(joints, codecOf(joints));
      jointNames = names;
      series['observation.joint_position'] = position;
      series['observation.joint_velocity'] = velocity;
      if (gripper.stamps.length > 0) series['observation.gripper'] = gripper;
    }
    const wrench = byTopic.get(EPISODE_TOPICS.wrench.topic);
    if (wrench) {
      series['observation.wrench'] = await this.#readSeries(wrench, codecOf(wrench), WRENCH_NAMES, (m: WrenchLike) => {
        const { force: f, torque: t } = m.wrench;
        return [f.x, f.y, f.z, t.x, t.y, t.z];
      });
    }
    const action = byTopic.get(EPISODE_TOPICS.action.topic);
    if (action) series.action = await this.#readAction(action, codecOf(action), jointNames);
    const safety = byTopic.get(EPISODE_TOPICS.safetyMode.topic);
    const safetySeries = safety ? await this.#readSeries(safety, codecOf(safety), ['mode'], (m: { mode: number }) => [m.mode]) : undefined;

    // Grid: from when all state streams have data to when one of them ends.
    const bounds = Object.values(series).filter((s) => s.stamps.length > 0);
    if (bounds.length === 0) {
      throw new Error(
        `No state messages to align: expected ${EPISODE_TOPICS.jointStates.topic}, ${EPISODE_TOPICS.wrench.topic} or ` +
          `${EPISODE_TOPICS.action.topic}, found topics [${[...byTopic.keys()].join(', ')}].`,
      );
    }
    const t0 = Math.max(...bounds.map((s) => s.stamps[0]!));
    const t1 = Math.min(...bounds.map((s) => s.stamps[s.stamps.length - 1]!));
    const length = t1 >= t0 ? Math.floor((t1 - t0) * o.rate + 1e-6) + 1 : 0;
    const timestamps = new Float64Array(length);
    for (let i = 0; i < length; i++) timestamps[i] = t0 + i / o.rate;

    const features: Record<string, AlignedFeature> = {};
    for (const [name, s] of Object.entries(series)) features[name] = hold(s, timestamps, o.maxStateAge);
    if (safetySeries) features.safety_mode = hold(safetySeries, timestamps, Infinity);

    const cameras: Record<string, AlignedCamera> = {};
    for (const channel of channels) {
      const name = cameraNameOf(channel.topic);
      if (name == undefined || (options.cameras && !options.cameras.includes(name))) continue;
      cameras[name] = await this.#readCamera(channel, codecOf(channel), timestamps, o);
    }
    return { rate: o.rate, length, timestamps, features, cameras };
  }

  async #messages(channel: McapTypes.Channel): Promise<McapTypes.TypedMcapRecords['Message'][]> {
    const out = [];
    for await (const m of this.reader.readMessages({ topics: [channel.topic] })) out.push(m);
    // Files are in receive order; alignment needs source-stamp order.
    for (let i = 1; i < out.length; i++) {
      if (out[i]!.publishTime < out[i - 1]!.publishTime) {
        out.sort((a, b) => (a.publishTime < b.publishTime ? -1 : a.publishTime > b.publishTime ? 1 : 0));
        break;
      }
    }
    return out;
  }

  async #readSeries<M>(channel: McapTypes.Channel, codec: Ros2Codec, names: string[], values: (m: M) => ArrayLike<number>): Promise<Series> {
    const s: Series = { stamps: [], values: [], dim: names.length, names };
    for (const m of await this.#messages(channel)) {
      const v = values(codec.decode<M>(m.data));
      s.stamps.push(Number(m.publishTime) / 1e9);
      for (let k = 0; k < s.dim; k++) s.values.push(k < v.length ? v[k]! : Number.NaN);
    }
    return s;
  }

  async #readJointStates(channel: McapTypes.Channel, codec: Ros2Codec) {
    const messages = await this.#messages(channel);
    const first = messages.length > 0 ? codec.decode<JointStateLike>(messages[0]!.data) : undefined;
    const names = (first?.name ?? []).filter((n) => n !== GRIPPER_JOINT);
    const position: Series = { stamps: [], values: [], dim: names.length, names };
    const velocity: Series = { stamps: [], values: [], dim: names.length, names };
    const gripper: Series = { stamps: [], values: [], dim: 1, names: [GRIPPER_JOINT] };
    let layoutKey = '';
    let layout: number[] = [];
    let gripperAt = -1;
    for (const m of messages) {
      const msg = codec.decode<JointStateLike>(m.data);
      const key = msg.name.join('\n');
      if (key !== layoutKey) {
        // Joint order may differ between publishers; map by name.
        layoutKey = key;
        layout = names.map((n) => msg.name.indexOf(n));
        gripperAt = msg.name.indexOf(GRIPPER_JOINT);
      }
      const t = Number(m.publishTime) / 1e9;
      position.stamps.push(t);
      velocity.stamps.push(t);
      for (const at of layout) {
        position.values.push(at >= 0 && at < msg.position.length ? msg.position[at]! : Number.NaN);
        velocity.values.push(at >= 0 && at < msg.velocity.length ? msg.velocity[at]! : Number.NaN);
      }
      if (gripperAt >= 0 && gripperAt < msg.position.length) {
        gripper.stamps.push(t);
        gripper.values.push(msg.position[gripperAt]!);
      }
    }
    return { names, position, velocity, gripper };
  }

  async #readAction(channel: McapTypes.Channel, codec: Ros2Codec, jointNames: string[]): Promise<Series> {
    if (fullTypeName(this.reader.schemasById.get(channel.schemaId)!.name) === 'std_msgs/msg/Float64MultiArray') {
      const messages = await this.#messages(channel);
      const dim = messages.length > 0 ? codec.decode<{ data: Float64Array }>(messages[0]!.data).data.length : 0;
      const names = Array.from({ length: dim }, (_, k) => `a${k}`);
      return this.#readSeries(channel, codec, names, (m: { data: Float64Array }) => m.data);
    }
    let names = jointNames;
    if (names.length === 0) {
      const first = (await this.#messages(channel))[0];
      names = first ? codec.decode<JointCommandLike>(first.data).name : [];
    }
    return this.#readSeries(channel, codec, [...names, 'gripper'], (m: JointCommandLike) => {
      const v = names.map((n) => {
        const at = m.name.indexOf(n);
        return at >= 0 && at < m.velocity.length ? m.velocity[at]! : Number.NaN;
      });
      v.push(m.gripper);
      return v;
    });
  }

  async #readCamera(channel: McapTypes.Channel, codec: Ros2Codec, timestamps: Float64Array, o: Required<Omit<AlignOptions, 'cameras' | 'imageSize'>> & AlignOptions): Promise<AlignedCamera> {
    const messages = await this.#messages(channel);
    const stamps = messages.map((m) => Number(m.publishTime) / 1e9);
    const pick = new Int32Array(timestamps.length).fill(-1);
    let j = 0;
    for (let i = 0; i < timestamps.length; i++) {
      const t = timestamps[i]!;
      while (j + 1 < stamps.length && Math.abs(stamps[j + 1]! - t) <= Math.abs(stamps[j]! - t)) j++;
      if (stamps.length > 0 && Math.abs(stamps[j]! - t) <= o.cameraTolerance + EPSILON) pick[i] = j;
    }
    const decode = (k: number) => decodeJpegRgb(codec.decode<{ data: Uint8Array }>(messages[k]!.data).data);
    const firstPick = pick.find((k) => k >= 0);
    const firstImage = firstPick != undefined && firstPick >= 0 ? decode(firstPick) : undefined;
    const width = o.imageSize?.width ?? firstImage?.width ?? 0;
    const height = o.imageSize?.height ?? firstImage?.height ?? 0;
    const frameBytes = width * height * 3;
    const camera: AlignedCamera = {
      width,
      height,
      channels: 3,
      data: new Uint8Array(timestamps.length * frameBytes),
      valid: new Uint8Array(timestamps.length),
      stamps: new Float64Array(timestamps.length).fill(Number.NaN),
    };
    let last = -1;
    for (let i = 0; i < timestamps.length; i++) {
      const k = pick[i]!;
      if (k < 0) continue;
      const out = camera.data.subarray(i * frameBytes, (i + 1) * frameBytes);
      if (k === last) {
        // Output faster than the camera: the same source frame again, decoded once.
        out.set(camera.data.subarray((i - 1) * frameBytes, i * frameBytes));
      } else {
        resizeRgb(k === firstPick ? firstImage! : decode(k), width, height, out);
      }
      last = k;
      camera.valid[i] = 1;
      camera.stamps[i] = stamps[k]!;
    }
    return camera;
  }
}

type JointStateLike = { name: string[]; position: ArrayLike<number>; velocity: ArrayLike<number> };
type JointCommandLike = { name: string[]; velocity: ArrayLike<number>; gripper: number };
type WrenchLike = { wrench: { force: { x: number; y: number; z: number }; torque: { x: number; y: number; z: number } } };

function defaults(options: AlignOptions) {
  return {
    rate: options.rate,
    cameraTolerance: options.cameraTolerance ?? 0.5 / 30,
    maxStateAge: options.maxStateAge ?? 0.1,
    imageSize: options.imageSize,
    cameras: options.cameras,
  };
}

/** Zero-order hold of a series (sorted by stamp) onto the grid. */
function hold(s: Series, timestamps: Float64Array, maxAge: number): AlignedFeature {
  const n = timestamps.length;
  const data = new Float32Array(n * s.dim).fill(Number.NaN);
  const valid = new Uint8Array(n);
  let j = -1;
  for (let i = 0; i < n; i++) {
    const t = timestamps[i]!;
    // Epoch seconds in a float64 resolve ~0.2 µs, so a grid time and a sample
    // stamped "at" it can differ by rounding: 1 µs slack, far below any period.
    while (j + 1 < s.stamps.length && s.stamps[j + 1]! <= t + EPSILON) j++;
    if (j < 0 || t - s.stamps[j]! > maxAge) continue;
    valid[i] = 1;
    for (let k = 0; k < s.dim; k++) data[i * s.dim + k] = s.values[j * s.dim + k]!;
  }
  return { names: s.names, dim: s.dim, data, valid };
}
