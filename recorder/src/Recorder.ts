import { EPISODE_TOPICS, cameraTopic, featuresFor } from '@cellkit/datasets/core';
import type { Dataset, EpisodeMeta, EpisodeRecording } from '@cellkit/datasets/core';

import { QualityMonitor } from './QualityMonitor.ts';
import { RecordQueue } from './RecordQueue.ts';
import { RecorderError, type RecorderProblem } from './RecorderError.ts';
import type { ActionSampleLike, RecorderEventLike } from './RecordingSource.ts';
import {
  SPEED_SCALING_TOPIC,
  actionMessage,
  actionTransitions,
  cameraMessage,
  episodeStreams,
  eventMessage,
  jointStateMessage,
  jpegSize,
  wrenchMessage,
} from './episodeStreams.ts';
import { reconcileFeatures } from './reconcileFeatures.ts';
import { checkLayout, joinNotes, problems } from './recorderProblems.ts';
import type { RecorderOptions, RecorderState, RecorderStatus, StartOptions, StopOptions } from './recorderOptions.ts';

export type { CameraDecl, NewDatasetInit, RecorderOptions, RecorderState, RecorderStatus, StartOptions, StopOptions } from './recorderOptions.ts';

type RecorderEvents = {
  problem: (problem: RecorderProblem) => void;
  error: (problem: RecorderProblem) => void;
};

type Item = { topic: string; stream: string; stamp: number; receivedAt: number; msg: object };

type Session = {
  dataset: Dataset;
  recording: EpisodeRecording;
  jointNames: string[];
  topics: Set<string>;
  quality: QualityMonitor;
  unsubscribe: (() => void)[];
  lastAction?: ActionSampleLike;
  safetyMode?: number;
  cameraSizes: Map<string, { width: number; height: number }>;
  sawGripper: boolean;
  loop?: Promise<void>;
  /** Set when stop() gave up on a hung writer: its loop must never touch a later session. */
  abandoned?: boolean;
};

const MiB = 1024 * 1024;

/**
 * Records a cell's streams at their native rates into episodes of a Dataset.
 *
 * Off the control path: listeners only turn a sample into a queue item (no
 * awaits, no encoding); `#writeLoop` drains the queue in batches, encoding and
 * writing through the EpisodeWriter and awaiting each batch (backpressure). A
 * queue that grows is reported as a live `disk_lag` problem; past `maxLag` or
 * `maxQueueBytes` recording stops with `disk_stalled` rather than eating
 * memory, and what is queued is still written. A write error stops recording
 * with `write_failed`: the file is left as written, marked `recording`, so
 * `Dataset.open` recovers it up to its last complete chunk.
 */
export class Recorder {
  #options: Required<Omit<RecorderOptions, 'openDataset' | 'quality'>> & Pick<RecorderOptions, 'openDataset' | 'quality'>;
  #state: RecorderState = 'idle';
  #session?: Session;
  #queue = new RecordQueue<Item>();
  #wake?: () => void;
  #wakeScheduled = false;
  #stopping = false;
  #problems: RecorderProblem[] = [];
  #lagWarned = false;
  #error?: RecorderError;
  #written = 0;
  #unsent = 0;
  #dirty = false;
  #timing = { batches: 0, take: 0, write: 0, observe: 0, flush: 0 };
  #listeners: { [K in keyof RecorderEvents]: Set<RecorderEvents[K]> } = { problem: new Set(), error: new Set() };

  constructor(options: RecorderOptions) {
    this.#options = {
      now: () => Date.now() / 1000,
      warnLag: 1,
      maxLag: 10,
      maxQueueBytes: 256 * MiB,
      batchSize: 512,
      batchBytes: 8 * MiB,
      idleFlush: 0.5,
      chunkDuration: 0.5,
      ...options,
    };
  }

  get state(): RecorderState {
    return this.#state;
  }

  on<K extends keyof RecorderEvents>(event: K, listener: RecorderEvents[K]): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  /** Live figures; O(streams), safe to poll. */
  status(): RecorderStatus {
    const oldest = this.#queue.oldestTime;
    return {
      state: this.#state,
      episode: this.#session?.recording.meta.index,
      queue: { items: this.#queue.length, bytes: this.#queue.bytes, lag: oldest === undefined ? 0 : Math.max(0, this.#options.now() - oldest) },
      written: this.#written,
      unsent: this.#unsent,
      problems: [...this.#problems],
      quality: this.#session?.quality.report() ?? null,
      timing: { ...this.#timing },
    };
  }

  /** Opens the episode, declares its streams and subscribes to the source. */
  async start(options: StartOptions): Promise<EpisodeMeta> {
    if (this.#state !== 'idle') {
      throw new RecorderError({ code: 'busy', message: `Cannot start: the recorder is ${this.#state}, expected idle`, tip: 'Stop the current episode first.' });
    }
    this.#state = 'starting';
    this.#reset();
    try {
      const cameras = options.cameras.map((c) => (typeof c === 'string' ? { name: c } : c));
      const dataset = await this.#openDataset(options, cameras);
      checkLayout(dataset, options.jointNames);
      if (!dataset.info.tasks.includes(options.task)) await dataset.updateInfo({ tasks: [...dataset.info.tasks, options.task] });
      const recording = await dataset.startEpisode({
        task: options.task,
        operator: options.operator,
        notes: options.notes,
        startTime: this.#options.now(),
        writer: { chunkDuration: this.#options.chunkDuration },
      });
      const streams = episodeStreams(cameras.map((c) => c.name));
      await Promise.all(streams.map((s) => recording.writer.addStream(s.topic, s.type, { schemaText: s.schemaText })));
      const session: Session = {
        dataset,
        recording,
        jointNames: options.jointNames,
        topics: new Set(streams.map((s) => s.topic)),
        quality: new QualityMonitor({ ...this.#options.quality, expected: this.#options.quality?.expected ?? ['joints', 'action', ...cameras.map((c) => `camera/${c.name}`)] }),
        unsubscribe: [],
        cameraSizes: new Map(),
        sawGripper: false,
      };
      this.#session = session;
      this.#subscribe(session);
      this.#state = 'recording';
      session.loop = this.#writeLoop(session);
      return recording.meta;
    } catch (error) {
      this.#state = 'idle';
      if (error instanceof RecorderError) throw error;
      throw new RecorderError(
        {
          code: 'start_failed',
          message: `Could not start recording: ${(error as Error).message}`,
          tip: 'Check that the dataset folder exists and is writable (permissions, free space), then start again.',
        },
        { cause: error },
      );
    }
  }

  /**
   * Stops listening, writes everything queued, closes the episode with its
   * outcome and quality report, and returns its metadata. After a fault,
   * rejects with the RecorderError (its `meta` is the episode when it could
   * be closed, with these labels applied).
   */
  async stop(options: StopOptions): Promise<EpisodeMeta> {
    const session = this.#session;
    if (!session || this.#state === 'idle' || this.#state === 'starting') {
      throw new RecorderError({ code: 'not_recording', message: `Cannot stop: the recorder is ${this.#state}, expected recording`, tip: 'Start an episode first.' });
    }
    if (this.#state === 'recording') this.#state = 'stopping';
    this.#unsubscribe(session);
    this.#stopping = true;
    this.#wakeUp();
    const timeout = options.timeout ?? 120;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = await Promise.race([
      session.loop!.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeout * 1000))),
    ]);
    clearTimeout(timer);
    if (!drained) {
      session.abandoned = true;
      this.#session = undefined;
      this.#state = 'idle';
      this.#queue.clear();
      throw new RecorderError(problems.stopTimeout(session.recording.meta.index, timeout, this.#written));
    }
    try {
      if (this.#error) {
        if (this.#error.meta) this.#error.meta = await session.dataset.relabel(this.#error.meta.index, { outcome: options.outcome, notes: joinNotes(this.#error.meta.notes, options.notes), ...(options.excluded?.length ? { excluded: options.excluded } : {}) });
        throw this.#error;
      }
      return await this.#finish(session, options.outcome, options.notes, options.excluded);
    } finally {
      this.#session = undefined;
      this.#state = 'idle';
    }
  }

  #reset(): void {
    this.#queue.clear();
    this.#problems = [];
    this.#error = undefined;
    this.#lagWarned = false;
    this.#stopping = false;
    this.#written = 0;
    this.#unsent = 0;
    this.#timing = { batches: 0, take: 0, write: 0, observe: 0, flush: 0 };
  }

  async #openDataset(options: StartOptions, cameras: { name: string; width?: number; height?: number }[]): Promise<Dataset> {
    if (typeof options.dataset !== 'string') return options.dataset;
    if (!this.#options.openDataset) {
      throw new RecorderError({ code: 'no_opener', message: `Got a dataset path (${options.dataset}) but no openDataset option`, tip: 'Create the recorder with createRecorder() from @cellkit/recorder, or pass a Dataset.' });
    }
    const features = featuresFor({
      joints: options.jointNames,
      gripper: options.gripper ?? true,
      cameras: cameras.map((c) => ({ name: c.name, width: c.width ?? 0, height: c.height ?? 0 })),
    });
    const name = options.dataset.split(/[\\/]/).filter(Boolean).pop() ?? 'dataset';
    return this.#options.openDataset(options.dataset, { name, robot: options.robotProfile, features, tasks: [] });
  }

  // ---- producers: O(1), no awaits, no encoding ------------------------------------------

  #subscribe(session: Session): void {
    const { source } = this.#options;
    const now = this.#options.now;
    const names = session.jointNames;
    const off = session.unsubscribe;
    off.push(source.on('joints', (s) => {
      if (s.gripper !== undefined) session.sawGripper = true;
      this.#push({ topic: EPISODE_TOPICS.jointStates.topic, stream: 'joints', stamp: s.stamp, receivedAt: s.receivedAt, msg: jointStateMessage(s, names) }, 200);
    }));
    off.push(source.on('wrench', (s) => this.#push({ topic: EPISODE_TOPICS.wrench.topic, stream: 'wrench', stamp: s.stamp, receivedAt: s.receivedAt, msg: wrenchMessage(s) }, 120)));
    off.push(source.on('camera', (f) => {
      if (!session.cameraSizes.has(f.camera)) session.cameraSizes.set(f.camera, jpegSize(f.data) ?? { width: 0, height: 0 });
      this.#push({ topic: cameraTopic(f.camera), stream: `camera/${f.camera}`, stamp: f.stamp, receivedAt: f.receivedAt, msg: cameraMessage(f) }, f.data.byteLength + 100);
    }));
    off.push(source.on('status', (s) => {
      if (s.safetyMode !== session.safetyMode) {
        session.safetyMode = s.safetyMode;
        this.#push({ topic: EPISODE_TOPICS.safetyMode.topic, stream: 'status', stamp: s.receivedAt, receivedAt: s.receivedAt, msg: { mode: s.safetyMode } }, 60);
      }
      this.#push({ topic: SPEED_SCALING_TOPIC, stream: 'speed_scaling', stamp: s.receivedAt, receivedAt: s.receivedAt, msg: { data: s.speedScaling } }, 60);
    }));
    off.push(source.on('action', (a) => {
      const receivedAt = a.receivedAt ?? now();
      for (const e of actionTransitions(session.lastAction, a)) this.#pushEvent({ ...e, receivedAt });
      session.lastAction = a;
      if (a.sent === false) {
        this.#unsent += 1;
        return;
      }
      this.#push({ topic: EPISODE_TOPICS.action.topic, stream: 'action', stamp: a.stamp, receivedAt, msg: actionMessage(a, names) }, 150);
    }));
    off.push(source.on('event', (e) => this.#pushEvent(e)));
  }

  #pushEvent(e: RecorderEventLike): void {
    this.#push({ topic: EPISODE_TOPICS.events.topic, stream: 'events', stamp: e.stamp, receivedAt: e.receivedAt ?? this.#options.now(), msg: eventMessage(e) }, 200);
  }

  #push(item: Item, bytes: number): void {
    if (this.#state !== 'recording') return;
    const now = this.#options.now();
    this.#queue.push(item, bytes, now);
    this.#checkLag(now);
    this.#wakeUp();
  }

  #checkLag(now: number): void {
    const oldest = this.#queue.oldestTime;
    const lag = oldest === undefined ? 0 : now - oldest;
    const bytes = this.#queue.bytes;
    // Runs on every push: numbers only; text is built when there is something to say.
    const size = (): string => `${lag.toFixed(1)} s of data queued (${(bytes / MiB).toFixed(1)} MB)`;
    if (lag > this.#options.maxLag || bytes > this.#options.maxQueueBytes) {
      this.#fault(problems.diskStalled(size(), this.#options.maxLag, this.#options.maxQueueBytes));
    } else if (!this.#lagWarned && lag > this.#options.warnLag) {
      this.#lagWarned = true;
      this.#report(problems.diskLag(size()));
    } else if (this.#lagWarned && lag < this.#options.warnLag / 2) {
      this.#lagWarned = false;
      this.#problems = this.#problems.filter((p) => p.code !== 'disk_lag');
    }
  }

  #wakeUp(): void {
    if (!this.#wake || this.#wakeScheduled) return;
    // Wake on a macrotask, not here: keeps the writer off the producer's
    // stack and lets a burst of samples arrive as one batch.
    this.#wakeScheduled = true;
    setTimeout(() => {
      this.#wakeScheduled = false;
      this.#wake?.();
    }, 0);
  }

  // ---- consumer: the write loop ---------------------------------------------------------

  /** Drains the queue until stopped: take → write (encode + await) → observe; flush when idle. */
  async #writeLoop(session: Session): Promise<void> {
    const writer = session.recording.writer;
    const t = (): number => performance.now() / 1000;
    for (;;) {
      if (session.abandoned) return;
      if (this.#queue.length === 0) {
        if (this.#stopping || this.#error?.problem.code === 'disk_stalled') break;
        const idle = await this.#waitForWork(this.#dirty ? this.#options.idleFlush : undefined);
        if (idle && this.#dirty) {
          const t0 = t();
          try {
            await writer.flush();
          } catch (error) {
            this.#writeFailed(session, error);
            return;
          }
          this.#dirty = false;
          this.#timing.flush += t() - t0;
        }
        continue;
      }
      // take
      const t0 = t();
      const batch = this.#queue.take(this.#options.batchSize, this.#options.batchBytes);
      const t1 = t();
      // write: encoding happens here, then the batch is awaited (backpressure).
      try {
        for (const item of batch) {
          if (!session.topics.has(item.topic)) {
            session.topics.add(item.topic);
            void writer.addStream(item.topic, 'sensor_msgs/msg/CompressedImage');
          }
        }
        await Promise.all(batch.map((item) => writer.write(item.topic, { stamp: item.stamp, receiveTime: item.receivedAt, msg: item.msg })));
      } catch (error) {
        this.#writeFailed(session, error);
        return;
      }
      const t2 = t();
      // observe
      for (const item of batch) session.quality.observe(item.stream, item.stamp, item.receivedAt);
      this.#written += batch.length;
      this.#dirty = true;
      this.#timing.batches += 1;
      this.#timing.take += t1 - t0;
      this.#timing.write += t2 - t1;
      this.#timing.observe += t() - t2;
    }
    if (this.#error) {
      // disk_stalled: what was queued is written; close the episode as it stands.
      try {
        this.#error.meta = await this.#finish(session, null, this.#error.message);
      } catch (error) {
        this.#writeFailed(session, error);
      }
    }
  }

  #waitForWork(timeout: number | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = timeout === undefined ? undefined : setTimeout(() => done(true), timeout * 1000);
      const done = (idle: boolean): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.#wake = undefined;
        resolve(idle);
      };
      this.#wake = () => done(false);
    });
  }

  #writeFailed(session: Session, error: unknown): void {
    if (session.abandoned) return;
    const index = session.recording.meta.index;
    const cause = (error as Error).message ?? String(error);
    this.#queue.clear();
    // The file is not closed: a close after a failed write could write a
    // summary over a torn tail. Left `recording`, Dataset.open recovers it.
    this.#fault(problems.writeFailed(index, cause), error);
  }

  #fault(problem: Omit<RecorderProblem, 'severity'>, cause?: unknown): void {
    if (this.#error) return;
    this.#error = new RecorderError(problem, { cause });
    this.#state = 'failed';
    if (this.#session) this.#unsubscribe(this.#session);
    this.#report(this.#error.problem, 'error');
    this.#wakeUp();
  }

  #report(problem: RecorderProblem, event: keyof RecorderEvents = 'problem'): void {
    this.#problems.push(problem);
    // The episode says what happened to it, too (written if the writer still can).
    const now = this.#options.now();
    this.#queue.push({ topic: EPISODE_TOPICS.events.topic, stream: 'events', stamp: now, receivedAt: now, msg: { kind: 'info', code: `recorder.${problem.code}`, message: problem.message } }, 200, now);
    for (const listener of this.#listeners[event]) listener(problem);
  }

  #unsubscribe(session: Session): void {
    for (const off of session.unsubscribe.splice(0)) off();
  }

  async #finish(session: Session, outcome: EpisodeMeta['outcome'], notes: string | undefined, excluded?: StopOptions['excluded']): Promise<EpisodeMeta> {
    const quality = session.quality.report();
    const meta = await session.recording.finish({
      outcome,
      notes: joinNotes(session.recording.meta.notes, notes),
      ...(excluded?.length ? { excluded } : {}),
      quality: { ...quality, unsent: this.#unsent, problems: this.#problems } as unknown as Record<string, unknown>,
    });
    const features = reconcileFeatures(session.dataset.info.features, { cameraSizes: session.cameraSizes, gripper: session.sawGripper, jointNames: session.jointNames });
    if (features) await session.dataset.updateInfo({ features });
    return meta;
  }
}
