/**
 * The Datasets REST API's shapes (`/api/datasets/...`), declared once for the
 * bridge (which serves them) and the UI (which reads them). Types only: no
 * imports, no I/O. Times are epoch seconds unless a field says "from start";
 * units are SI.
 */

/** A fault or hint as data: what happened, and what the person can do. */
export interface DatasetProblem {
  severity: 'info' | 'warning' | 'error';
  message: string;
  tip: string;
}

export type EpisodeOutcomeLabel = 'success' | 'failure' | 'discard';

export interface DatasetFeature {
  name: string;
  dtype: string;
  shape: number[];
  names?: string[];
  units?: string[] | string;
}

export interface DatasetSummary {
  name: string;
  /** Robot profile (`ur`). */
  robot: string;
  episodes: number;
  /** Seconds of every finished episode. */
  duration: number;
  tasks: string[];
  features: DatasetFeature[];
  cameras: string[];
  outcomes: { success: number; failure: number; discard: number; unlabeled: number };
  createdAt: number;
}

export interface DatasetListResponse {
  datasets: DatasetSummary[];
  /** Folders that look like datasets but could not be read. */
  problems: DatasetProblem[];
}

/** A quality finding in plain words ("wrist camera dropped frames"). */
export interface EpisodeBadge {
  code: string;
  text: string;
  severity: 'info' | 'warning' | 'error';
  tip: string;
}

export interface EpisodeSummary {
  index: number;
  task: string;
  outcome: EpisodeOutcomeLabel | null;
  status: 'recording' | 'complete' | 'recovered';
  operator: string;
  notes: string;
  startTime: number;
  endTime: number | null;
  /** s; null while recording. */
  duration: number | null;
  cameras: string[];
  messages: number;
  badges: EpisodeBadge[];
  /** Spans training leaves out, on the streams' clock (epoch s, like the replay's `start`). */
  excluded: ExcludedSpanLabel[];
}

/** A span not to learn from: stream-clock epoch seconds and why. */
export interface ExcludedSpanLabel {
  start: number;
  end: number;
  reason: string;
}

export interface EpisodeListResponse {
  dataset: DatasetSummary;
  episodes: EpisodeSummary[];
}

/** One plotted quantity: `values[channel][frame]`, null where no valid sample. */
export interface ReplaySeries {
  key: string;
  label: string;
  unit: string;
  names: string[];
  values: (number | null)[][];
}

export interface ReplayCamera {
  name: string;
  /** Source stamp of each recorded frame, s from `start`, ascending; frame i is at `.../frames/<name>/<i>`. */
  stamps: number[];
}

/** An episode for replay: states on a fixed grid, cameras as frame indexes. */
export interface EpisodeReplay {
  dataset: string;
  episode: EpisodeSummary;
  /** Grid rate, Hz. */
  rate: number;
  /** Epoch s of grid time 0. */
  start: number;
  /** s from start of the last grid point (or last frame, whichever is later). */
  duration: number;
  /** Grid times, s from start. */
  t: number[];
  series: ReplaySeries[];
  cameras: ReplayCamera[];
  /** Markers and faults written into the episode, s from start. */
  events: { t: number; kind: string; code: string; message: string }[];
  /** Spans training leaves out (EpisodeMeta.excluded), s from start. */
  excluded: { t0: number; t1: number; reason: string }[];
}

export interface RelabelRequest {
  outcome?: EpisodeOutcomeLabel | null;
  task?: string;
  notes?: string;
  /** Replaces the episode's spans not to learn from ([] clears them). */
  excluded?: ExcludedSpanLabel[];
}

export interface RelabelResponse {
  episode: EpisodeSummary;
}

export interface DeleteEpisodeResponse {
  index: number;
  /** Always true: nothing is deleted, the files move to the dataset's trash. */
  movedToTrash: true;
  /** Folder inside the dataset, e.g. `.trash/000003-1767225600000`. */
  trashPath: string;
  message: string;
}

export interface ExportRequest {
  /** Only LeRobot v3.0 for now. */
  format?: 'lerobot';
  /** Cameras as MP4 (LeRobot's default, needs ffmpeg) or JPEG inside the parquet. */
  images?: 'video' | 'inline';
  fps?: number;
}

export interface ExportJob {
  id: string;
  dataset: string;
  format: 'lerobot';
  state: 'running' | 'done' | 'failed';
  /** What is happening, in plain words. */
  stage: string;
  /** 0..1 */
  fraction: number;
  done: boolean;
  /** Output folder (absolute). */
  out: string;
  startedAt: number;
  finishedAt: number | null;
  episodes: number;
  frames: number;
  skipped: { index: number; reason: string }[];
  error?: { message: string; tip: string };
}
