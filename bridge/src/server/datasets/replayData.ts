/**
 * An episode as replay data for the UI: the states on a fixed grid (the
 * aligned reader's zero-order hold, cameras left out so nothing is decoded),
 * camera frames as stamp lists (the pictures are fetched one by one, as
 * recorded), the episode's events and the spans training leaves out. Numbers are rounded to what a plot
 * can show, and NaN (no valid sample) becomes null, so JSON stays compact.
 */
import { EPISODE_TOPICS, Ros2Codec, type AlignedEpisode, type Dataset } from '@cellkit/datasets';
import { HttpError } from '../HttpError.ts';
import type { DatasetLibrary } from './DatasetLibrary.ts';
import type { EpisodeReplay, ReplaySeries } from './datasetApi.ts';
import { episodeSummary } from './DatasetLibrary.ts';

const SERIES: { key: string; label: string; unit: string }[] = [
  { key: 'observation.joint_position', label: 'Joint positions', unit: 'rad' },
  { key: 'observation.joint_velocity', label: 'Joint velocities', unit: 'rad/s' },
  { key: 'observation.gripper', label: 'Gripper', unit: '0 open … 1 closed' },
  { key: 'observation.wrench', label: 'Force and torque', unit: 'N, N·m' },
  { key: 'action', label: 'Commands sent', unit: 'rad/s' },
];

/** 5 significant digits: far finer than a plot's pixels, a third of the JSON. */
function round(v: number): number | null {
  if (!Number.isFinite(v)) return null;
  if (v === 0) return 0;
  return Number(v.toPrecision(5));
}

function seriesOf(aligned: AlignedEpisode): ReplaySeries[] {
  const out: ReplaySeries[] = [];
  for (const s of SERIES) {
    const f = aligned.features[s.key];
    if (!f) continue;
    const values: (number | null)[][] = Array.from({ length: f.dim }, () => new Array<number | null>(aligned.length));
    for (let i = 0; i < aligned.length; i++) {
      const ok = f.valid[i] === 1;
      for (let k = 0; k < f.dim; k++) values[k]![i] = ok ? round(f.data[i * f.dim + k]!) : null;
    }
    out.push({ ...s, names: f.names, values });
  }
  return out;
}

export async function replayData(opts: { library: DatasetLibrary; name: string; dataset: Dataset; index: number; rate: number }): Promise<EpisodeReplay> {
  const { library, name, dataset, index, rate } = opts;
  const meta = await library.finishedEpisode(dataset, index);
  let aligned: AlignedEpisode;
  try {
    aligned = await dataset.readAligned(index, { rate, cameras: [] });
  } catch (error) {
    throw new HttpError(422, 'episode_unreadable', `episode ${index} could not be read for replay: ${(error as Error).message}`, 'run `cellkit dataset validate` on this dataset; mark the episode discard if it is broken');
  }
  const open = await library.reader(name, dataset, index);
  const frames = await library.frameIndex(open);
  const firstFrame = Math.min(...[...frames.values()].map((f) => f.stamps[0] ?? Infinity));
  const start = aligned.length > 0 ? aligned.timestamps[0]! : Number.isFinite(firstFrame) ? firstFrame : meta.startTime;
  const ms = (s: number): number => Math.round((s - start) * 1000) / 1000;
  const t = Array.from(aligned.timestamps, ms);
  const cameras = [...frames.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([cam, f]) => ({ name: cam, stamps: f.stamps.map(ms) }));
  const lastFrame = Math.max(0, ...cameras.map((c) => c.stamps[c.stamps.length - 1] ?? 0));
  const events: EpisodeReplay['events'] = [];
  const channel = [...open.reader.channelsById.values()].find((c) => c.topic === EPISODE_TOPICS.events.topic);
  if (channel) {
    const schema = open.reader.schemasById.get(channel.schemaId)!;
    const codec = Ros2Codec.for(schema.name, new TextDecoder().decode(schema.data));
    for await (const m of open.reader.readMessages({ topics: [channel.topic] })) {
      const e = codec.decode<{ kind: string; code: string; message: string }>(m.data);
      events.push({ t: ms(Number(m.publishTime) / 1e9), kind: e.kind, code: e.code, message: e.message });
    }
  }
  return {
    dataset: name,
    episode: episodeSummary(meta),
    rate,
    start,
    duration: Math.max(t[t.length - 1] ?? 0, lastFrame),
    t,
    series: seriesOf(aligned),
    cameras,
    events,
    excluded: (meta.excluded ?? []).map((e) => ({ t0: ms(e.start), t1: ms(e.end), reason: e.reason })),
  };
}
