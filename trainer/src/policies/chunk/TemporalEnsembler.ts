// ACT temporal ensembling (Zhao et al. 2023). The chunk policy is queried
// every step and predicts the next H actions; the action executed at step t is
// a weighted mean of every chunk that covers t. The weight of a prediction is
// w_i = exp(−m·i) where i = 0 is the OLDEST prediction still covering t (as in
// ACT's reference code), so a small m averages broadly and larger m favours
// older, already-committed predictions — smoothing without lag spikes. A
// negative m favours the newest prediction: less smoothing, less lag (useful
// at low policy rates, where a 1 s chunk averaged evenly lags by ~0.5 s).
// Pure: no tfjs, arrays in, array out.

export interface TemporalEnsemblerOptions {
  /** Chunk length H. */
  horizon: number;
  /** Action dimension A. */
  actionDim: number;
  /** Decay m (finite). Default 0.01 (ACT); m < 0 favours the newest prediction. */
  m?: number;
}

export class TemporalEnsembler {
  private readonly horizon: number;
  private readonly actionDim: number;
  private readonly m: number;
  /** Chunks still covering the future, oldest first, with the step they were predicted at. */
  private chunks: { step: number; actions: Float32Array }[] = [];
  private step = 0;

  constructor(opts: TemporalEnsemblerOptions) {
    if (!(opts.horizon >= 1)) throw new Error(`TemporalEnsembler: expected horizon ≥ 1, found ${opts.horizon}`);
    if (!Number.isFinite(opts.m ?? 0.01)) throw new Error(`TemporalEnsembler: expected a finite m, found ${opts.m}`);
    this.horizon = opts.horizon;
    this.actionDim = opts.actionDim;
    this.m = opts.m ?? 0.01;
  }

  /**
   * Adds the chunk predicted at the current step (H×A, step-major) and returns
   * the ensembled action for this step; then advances one step.
   */
  push(chunk: ArrayLike<number>): Float32Array {
    const { horizon: H, actionDim: A } = this;
    if (chunk.length !== H * A) throw new Error(`TemporalEnsembler: expected a chunk of ${H}×${A}=${H * A} values, found ${chunk.length}`);
    this.chunks.push({ step: this.step, actions: Float32Array.from(chunk) });
    this.chunks = this.chunks.filter((c) => this.step - c.step < H);
    const out = new Float64Array(A);
    let total = 0;
    this.chunks.forEach((c, i) => {
      const w = Math.exp(-this.m * i);
      const k = this.step - c.step;
      for (let a = 0; a < A; a++) out[a] += w * c.actions[k * A + a];
      total += w;
    });
    this.step++;
    return Float32Array.from(out, (v) => v / total);
  }

  /** Forget all chunks (new episode). */
  reset(): void {
    this.chunks = [];
    this.step = 0;
  }
}
