/**
 * The JSON documents of a dataset folder (see DESIGN.md, "Episodes on disk").
 * Times are float seconds since the Unix epoch; units are SI.
 */

/** Bumped when a reader would misread an older layout. */
export const DATASET_SCHEMA_VERSION = 1;

export type FeatureSpec = {
  /** e.g. `observation.joint_position`, `action`, `observation.images.scene`. */
  name: string;
  dtype: 'float32' | 'uint8';
  /** Per frame: [6] for six joints, [height, width, 3] for an image. */
  shape: number[];
  /** Names of the entries of a vector feature, in order. */
  names?: string[];
  /** SI unit per entry (or one for all), e.g. "rad", "rad/s", "N". */
  units?: string[] | string;
  /** Topic the feature is read from. */
  topic?: string;
};

/** `dataset.json`. */
export type DatasetInfo = {
  schemaVersion: number;
  name: string;
  /** Robot profile name, e.g. "ur". */
  robot: string;
  features: FeatureSpec[];
  /** Task descriptions episodes are recorded for. */
  tasks: string[];
  createdAt: number;
};

export type EpisodeStatus = 'recording' | 'complete' | 'recovered';

/**
 * A span of an episode not to learn from, e.g. a scripted demonstrator's
 * deliberate mistake before the recovery it exists to show. The streams stay
 * in the file; training drops the frames inside. Times are on the streams'
 * clock (source stamps, like AlignedEpisode.timestamps), which for a sim cell
 * at speed > 1 is not the wall clock of startTime/endTime.
 */
export type ExcludedSpan = { start: number; end: number; reason: string };
export type EpisodeOutcome = 'success' | 'failure' | 'discard' | null;

/** `episodes/NNNNNN.json`. */
export type EpisodeMeta = {
  index: number;
  task: string;
  outcome: EpisodeOutcome;
  operator: string;
  notes: string;
  startTime: number;
  /** null while recording. */
  endTime: number | null;
  status: EpisodeStatus;
  /** Filled by the recorder's quality report (free form, JSON). */
  quality?: Record<string, unknown>;
  /** Messages per topic in the MCAP, set when the episode is closed or recovered. */
  messageCounts?: Record<string, number>;
  /** Spans training leaves out (absent: none). */
  excluded?: ExcludedSpan[];
  /** Set when the episode was rebuilt from a file whose writer died. */
  recovery?: { at: number; lostBytes: number; reason: string; original?: string };
};

/** `stats.json`: per feature, per entry (images: per color channel, scaled to 0..1). */
export type FeatureStats = { mean: number[]; std: number[]; min: number[]; max: number[]; count: number };
export type DatasetStats = {
  rate: number;
  episodes: number[];
  frames: number;
  features: Record<string, FeatureStats>;
};

export function episodeStem(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 999_999) {
    throw new Error(`Episode index must be an integer in 0..999999, found ${index}`);
  }
  return String(index).padStart(6, '0');
}
