// ACT temporal ensembling (Zhao et al. 2023). The chunk policy is queried
// every step and predicts the next H actions; the action executed at step t is
// a weighted mean of every chunk that covers t. The weight of a prediction is
// w_i = exp(−m·i) where i = 0 is the OLDEST prediction still covering t (as in
// ACT's reference code), so a small m averages broadly and larger m favours
// older, already-committed predictions — smoothing without lag spikes. A
// negative m favours the newest prediction: less smoothing, less lag (useful
// at low policy rates, where a 1 s chunk averaged evenly lags by ~0.5 s).
//
// Tracking (`track`): for velocity outputs (a twist), the ensemble of
// velocities has a failure of its own. Where the arm stops following the
// plan — a chunk says "down 1.6 cm, then close and creep up" — every chunk
// covering now is the same plan at a different age, and their mean is the
// mean velocity of the whole plan: ~0, so the arm hovers and the plan never
// happens (traced: tools stalled 1.5–2.5 cm above the grasp, closing on
// nothing). With `track`, each chunk also keeps where the tool was when it
// was predicted (`anchor`); its velocities summed from there say where the
// tool should be now, and `target()` is the same weighted mean of those
// positions. A runtime adds gain·(target − measured) to the velocity: in the
// stall the target lies down the plan and the arm goes there; while the arm
// follows the plan the term is ~0.
// Pure: no tfjs, arrays in, array out.

export interface TemporalEnsemblerOptions {
  /** Chunk length H. */
  horizon: number;
  /** Action dimension A. */
  actionDim: number;
  /** Decay m (finite). Default 0.01 (ACT); m < 0 favours the newest prediction. */
  m?: number;
  /**
   * Velocity columns whose integral is tracked, and the step length (s): see
   * `target()`. Each `push` then takes the anchor — the measured position
   * (one value per column, same units × s) when the chunk was predicted.
   */
  track?: { columns: readonly number[]; dt: number };
}

export class TemporalEnsembler {
  private readonly horizon: number;
  private readonly actionDim: number;
  private readonly m: number;
  /** Chunks still covering the future, oldest first, with the step they were predicted at. */
  private chunks: { step: number; actions: Float32Array; anchor: Float64Array | null }[] = [];
  private step = 0;
  private readonly track: { columns: readonly number[]; dt: number } | null;
  private tracked: { anchor: Float64Array; moved: Float64Array } | null = null;

  constructor(opts: TemporalEnsemblerOptions) {
    if (!(opts.horizon >= 1)) throw new Error(`TemporalEnsembler: expected horizon ≥ 1, found ${opts.horizon}`);
    if (!Number.isFinite(opts.m ?? 0.01)) throw new Error(`TemporalEnsembler: expected a finite m, found ${opts.m}`);
    this.horizon = opts.horizon;
    this.actionDim = opts.actionDim;
    this.m = opts.m ?? 0.01;
    const t = opts.track;
    if (t && !(t.dt > 0 && t.columns.every((c) => Number.isInteger(c) && c >= 0 && c < opts.actionDim))) {
      throw new Error(`TemporalEnsembler: track expects dt > 0 and columns in 0..${opts.actionDim - 1}, found dt ${t.dt} and [${t.columns.join(', ')}]`);
    }
    this.track = t ? { columns: [...t.columns], dt: t.dt } : null;
  }

  /**
   * Adds the chunk predicted at the current step (H×A, step-major) and returns
   * the ensembled action for this step; then advances one step.
   */
  push(chunk: ArrayLike<number>, anchor?: ArrayLike<number>): Float32Array {
    const { horizon: H, actionDim: A, track } = this;
    if (chunk.length !== H * A) throw new Error(`TemporalEnsembler: expected a chunk of ${H}×${A}=${H * A} values, found ${chunk.length}`);
    if (anchor !== undefined && (!track || anchor.length !== track.columns.length)) {
      throw new Error(`TemporalEnsembler: expected an anchor of ${track ? track.columns.length : 0} values (the tracked columns), found ${anchor.length}`);
    }
    this.chunks.push({ step: this.step, actions: Float32Array.from(chunk), anchor: anchor !== undefined ? Float64Array.from(anchor) : null });
    this.chunks = this.chunks.filter((c) => this.step - c.step < H);
    const out = new Float64Array(A);
    const where = track ? new Float64Array(track.columns.length) : null;
    const moved = track ? new Float64Array(track.columns.length) : null;
    let total = 0;
    let anchored = 0;
    this.chunks.forEach((c, i) => {
      const w = Math.exp(-this.m * i);
      const k = this.step - c.step;
      for (let a = 0; a < A; a++) out[a] += w * c.actions[k * A + a];
      total += w;
      if (where && moved && c.anchor) {
        // Where this chunk says the tool is now: its anchor plus its velocities of the steps since.
        track!.columns.forEach((col, j) => {
          let d = 0;
          for (let s = 0; s < k; s++) d += c.actions[s * A + col]! * track!.dt;
          where[j] += w * c.anchor![j]!;
          moved[j] += w * d;
        });
        anchored += w;
      }
    });
    this.step++;
    // Only when every chunk covering now had an anchor: a mean over some of them would lean to those.
    this.tracked = where && moved && anchored === total ? { anchor: where.map((v) => v / total), moved: moved.map((v) => v / total) } : null;
    return Float32Array.from(out, (v) => v / total);
  }

  /**
   * After a `push` with anchors (track): where the chunks covering this step
   * say the tracked quantity is now — their weighted mean of anchor + Σ
   * velocity·dt over the steps since each was predicted (one value per tracked
   * column). `scale` scales the velocities (a runner executing them at a
   * speed scale: the plan as executed). Null without `track`, or when a chunk
   * covering now had no anchor.
   */
  target(scale = 1): Float64Array | null {
    const t = this.tracked;
    return t && t.anchor.map((a, j) => a + scale * t.moved[j]!);
  }

  /** Forget all chunks (new episode). */
  reset(): void {
    this.chunks = [];
    this.step = 0;
    this.tracked = null;
  }
}
