/**
 * A small data folder for tests of the Datasets API and page: dataset
 * `pick-cube` with three synthetic episodes of a UR cell (two cameras,
 * gripper, wrench, commands). Episode 1 loses 0.6 s of the wrist camera, and
 * its quality report comes from the recorder's own QualityMonitor watching
 * the same messages, so its badge is what a real recording would get.
 */
import { join } from 'node:path';
import { EPISODE_TOPICS, cameraNameOf, createDatasetDir, featuresFor, type Dataset } from '@cellkit/datasets';
import { SYNTHETIC_JOINTS, syntheticMessages, syntheticStreams } from '@cellkit/datasets/testing';
import { QualityMonitor } from '@cellkit/recorder/core';

export const SAMPLE_DATASET = 'pick-cube';
export const SAMPLE_CAMERAS = ['scene', 'wrist'];
export const SAMPLE_START = 1_767_225_600;

const STREAM_OF: Record<string, string> = {
  [EPISODE_TOPICS.jointStates.topic]: 'joints',
  [EPISODE_TOPICS.wrench.topic]: 'wrench',
  [EPISODE_TOPICS.action.topic]: 'action',
  [EPISODE_TOPICS.safetyMode.topic]: 'status',
  [EPISODE_TOPICS.events.topic]: 'events',
};

export interface SampleEpisode {
  task: string;
  outcome: 'success' | 'failure' | 'discard' | null;
  duration: number;
  wristDropout?: { from: number; to: number };
  /** A span marked not to learn from, s from the episode's start. */
  excluded?: { from: number; to: number; reason: string };
}

export const SAMPLE_EPISODES: SampleEpisode[] = [
  { task: 'pick the red cube', outcome: 'success', duration: 3 },
  { task: 'pick the red cube', outcome: null, duration: 3, wristDropout: { from: 1, to: 1.6 } },
  { task: 'pick the red cube', outcome: 'failure', duration: 2, excluded: { from: 0.5, to: 1.2, reason: 'nudged approach' } },
];

/** Writes `<dir>/pick-cube/` and returns it opened. */
export async function writeSampleDatasets(dir: string, episodes: SampleEpisode[] = SAMPLE_EPISODES): Promise<Dataset> {
  const dataset = await createDatasetDir(
    join(dir, SAMPLE_DATASET),
    {
      name: SAMPLE_DATASET,
      robot: 'ur',
      tasks: [...new Set(episodes.map((e) => e.task))],
      features: featuresFor({ joints: SYNTHETIC_JOINTS, gripper: true, cameras: SAMPLE_CAMERAS.map((name) => ({ name, width: 160, height: 120 })) }),
    },
    { cache: 'none' },
  );
  for (const [k, e] of episodes.entries()) {
    const start = SAMPLE_START + k * 60;
    const recording = await dataset.startEpisode({ task: e.task, operator: 'ana', startTime: start });
    const monitor = new QualityMonitor({ expected: ['joints', 'action', ...SAMPLE_CAMERAS.map((c) => `camera/${c}`)] });
    for (const [topic, type] of syntheticStreams(SAMPLE_CAMERAS)) await recording.writer.addStream(topic, type);
    const messages = syntheticMessages({
      start,
      duration: e.duration,
      cameras: SAMPLE_CAMERAS,
      seed: k + 1,
      cameraDropout: e.wristDropout ? { name: 'wrist', ...e.wristDropout } : undefined,
    });
    for (const m of messages) {
      await recording.writer.write(m.topic, { stamp: m.stamp, receiveTime: m.receiveTime, msg: m.msg });
      const camera = cameraNameOf(m.topic);
      monitor.observe(camera ? `camera/${camera}` : STREAM_OF[m.topic]!, m.stamp, m.receiveTime);
    }
    await recording.finish({
      outcome: e.outcome,
      quality: { ...monitor.report(), unsent: 0, problems: [] } as unknown as Record<string, unknown>,
      ...(e.excluded ? { excluded: [{ start: start + e.excluded.from, end: start + e.excluded.to, reason: e.excluded.reason }] } : {}),
    });
  }
  return dataset;
}
