// Train/validation split BY EPISODE: steps of one episode are strongly
// correlated, so splitting by step would leak near-duplicates into validation
// and make the validation loss (and early stopping) meaningless.
import { Rng } from './Rng.ts';

export interface EpisodeSplit {
  train: number[];
  validation: number[];
}

export interface SplitOptions {
  /** Fraction of episodes held out, rounded; at least 1 when > 0 and there are ≥ 2 episodes. Default 0.1. */
  validationFraction?: number;
  /** Default 0. */
  seed?: number;
}

export function splitEpisodes(episodeCount: number, opts: SplitOptions = {}): EpisodeSplit {
  const fraction = opts.validationFraction ?? 0.1;
  if (!(fraction >= 0 && fraction < 1)) {
    throw new Error(`splitEpisodes: expected validationFraction in [0, 1), found ${fraction}`);
  }
  const order = new Rng(opts.seed ?? 0).shuffle(Array.from({ length: episodeCount }, (_, i) => i));
  let nVal = Math.round(episodeCount * fraction);
  if (fraction > 0 && episodeCount >= 2) nVal = Math.max(1, nVal);
  nVal = Math.min(nVal, episodeCount - 1);
  return {
    validation: order.slice(0, nVal).sort((a, b) => a - b),
    train: order.slice(nVal).sort((a, b) => a - b),
  };
}
