/**
 * The Datasets page's data: one store (low-rate state: lists, selection,
 * replay data, the export job, a problem and a notice) and the actions that
 * change it through the REST client. Panels read it with selector hooks and
 * call the actions; they never fetch themselves.
 */
import { Store, type FrameScheduler } from '../Store.ts';
import { DatasetsApi, DatasetsApiError, type DatasetProblem, type DatasetSummary, type EpisodeReplay, type EpisodeSummary, type ExportJob, type RelabelPatch } from './DatasetsApi.ts';

export type { RelabelPatch };

export interface DatasetsState {
  /** null until the first list arrives. */
  datasets: DatasetSummary[] | null;
  listProblems: DatasetProblem[];
  selected: string | null;
  episodes: EpisodeSummary[] | null;
  episode: number | null;
  replay: EpisodeReplay | null;
  replayLoading: boolean;
  /** The last thing that went wrong, with what to do. */
  problem: (DatasetProblem & { code: string }) | null;
  /** A calm confirmation ("Saved", "moved to the trash"). */
  notice: string | null;
  exportJob: ExportJob | null;
  busy: boolean;
}

export const INITIAL_DATASETS_STATE: DatasetsState = {
  datasets: null,
  listProblems: [],
  selected: null,
  episodes: null,
  episode: null,
  replay: null,
  replayLoading: false,
  problem: null,
  notice: null,
  exportJob: null,
  busy: false,
};

export interface DatasetsModelOptions {
  api: DatasetsApi;
  schedule?: FrameScheduler;
  /** ms between export progress polls. Default 400. */
  pollMs?: number;
}

function asProblem(error: unknown, doing: string): DatasetsState['problem'] {
  if (error instanceof DatasetsApiError) return { severity: error.status >= 500 || error.status === 0 ? 'error' : 'warning', code: error.code, message: `${doing}: ${error.message}`, tip: error.tip };
  return { severity: 'error', code: 'ui', message: `${doing}: ${(error as Error).message}`, tip: 'Reload the page; if it keeps happening, tell your integrator.' };
}

export class DatasetsModel {
  readonly api: DatasetsApi;
  readonly store: Store<DatasetsState>;
  #pollMs: number;
  #poll?: ReturnType<typeof setTimeout>;
  /** Drops answers to requests the operator has since moved on from. */
  #replayToken = 0;

  constructor(opts: DatasetsModelOptions) {
    this.api = opts.api;
    this.store = new Store({ initial: INITIAL_DATASETS_STATE, schedule: opts.schedule });
    this.#pollMs = opts.pollMs ?? 400;
  }

  get state(): DatasetsState {
    return this.store.getSnapshot();
  }

  #set(patch: Partial<DatasetsState>): void {
    this.store.update((s) => ({ ...s, ...patch }));
  }

  dismiss = (): void => this.#set({ problem: null, notice: null });

  refresh = async (): Promise<void> => {
    try {
      const { datasets, problems } = await this.api.list();
      const selected = this.state.selected ?? (datasets.length === 1 ? datasets[0]!.name : null);
      this.#set({ datasets, listProblems: problems });
      if (selected && selected !== this.state.selected) await this.selectDataset(selected);
      else if (selected) await this.#loadEpisodes(selected);
    } catch (error) {
      this.#set({ datasets: this.state.datasets ?? [], problem: asProblem(error, 'Could not list the datasets') });
    }
  };

  selectDataset = async (name: string): Promise<void> => {
    this.#replayToken++;
    this.#set({ selected: name, episodes: null, episode: null, replay: null, replayLoading: false, notice: null, exportJob: this.state.exportJob?.dataset === name ? this.state.exportJob : null });
    await this.#loadEpisodes(name);
  };

  async #loadEpisodes(name: string): Promise<void> {
    try {
      const { dataset, episodes } = await this.api.episodes(name);
      if (this.state.selected !== name) return;
      this.#set({ episodes, datasets: (this.state.datasets ?? []).map((d) => (d.name === name ? dataset : d)) });
    } catch (error) {
      this.#set({ episodes: [], problem: asProblem(error, `Could not list the episodes of ${name}`) });
    }
  }

  selectEpisode = async (index: number | null): Promise<void> => {
    const name = this.state.selected;
    const token = ++this.#replayToken;
    this.#set({ episode: index, replay: null, replayLoading: index !== null, notice: null });
    if (name === null || index === null) return;
    try {
      const replay = await this.api.replay(name, index);
      if (token !== this.#replayToken) return;
      this.#set({ replay, replayLoading: false });
    } catch (error) {
      if (token !== this.#replayToken) return;
      this.#set({ replayLoading: false, problem: asProblem(error, `Could not open episode ${index} for replay`) });
    }
  };

  relabel = async (index: number, patch: RelabelPatch): Promise<boolean> => {
    const name = this.state.selected;
    if (name === null) return false;
    this.#set({ busy: true });
    try {
      const { episode } = await this.api.relabel(name, index, patch);
      const current = this.state.replay;
      // The replay's shaded spans follow the saved ones (s from the replay's start).
      const replay = current?.episode.index === index
        ? { ...current, episode, excluded: episode.excluded.map((e) => ({ t0: e.start - current.start, t1: e.end - current.start, reason: e.reason })) }
        : current;
      this.#set({ busy: false, problem: null, notice: `Episode ${index} saved`, replay, episodes: (this.state.episodes ?? []).map((e) => (e.index === index ? episode : e)) });
      void this.#loadEpisodes(name); // task list and outcome counts
      return true;
    } catch (error) {
      this.#set({ busy: false, problem: asProblem(error, `Could not save episode ${index}`) });
      return false;
    }
  };

  remove = async (index: number): Promise<boolean> => {
    const name = this.state.selected;
    if (name === null) return false;
    this.#set({ busy: true });
    try {
      const res = await this.api.remove(name, index);
      const closing = this.state.episode === index;
      if (closing) this.#replayToken++;
      this.#set({
        busy: false,
        problem: null,
        notice: res.message,
        episodes: (this.state.episodes ?? []).filter((e) => e.index !== index),
        ...(closing ? { episode: null, replay: null, replayLoading: false } : {}),
      });
      void this.#loadEpisodes(name);
      return true;
    } catch (error) {
      this.#set({ busy: false, problem: asProblem(error, `Could not move episode ${index} to the trash`) });
      return false;
    }
  };

  startExport = async (): Promise<void> => {
    const name = this.state.selected;
    if (name === null) return;
    try {
      const job = await this.api.startExport(name, { format: 'lerobot' });
      this.#set({ exportJob: job, problem: null, notice: null });
      this.#schedulePoll(name, job.id);
    } catch (error) {
      this.#set({ problem: asProblem(error, `Could not start the export of ${name}`) });
    }
  };

  #schedulePoll(name: string, id: string): void {
    clearTimeout(this.#poll);
    this.#poll = setTimeout(async () => {
      try {
        const job = await this.api.exportJob(name, id);
        if (this.state.exportJob?.id === id) this.#set({ exportJob: job });
        if (!job.done) this.#schedulePoll(name, id);
      } catch (error) {
        this.#set({ problem: asProblem(error, 'Lost track of the export') });
      }
    }, this.#pollMs);
  }

  close(): void {
    clearTimeout(this.#poll);
  }
}
