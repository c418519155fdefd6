// Training progress for people, on a terminal stream (stderr): on a TTY one
// bar redrawn in place at most every `intervalMs`; otherwise (CI logs, pipes,
// files) plain lines — one per epoch, plus one every `plainEverySec` inside a
// long epoch — so a log never fills with carriage returns.
import type { TrainProgress } from '../train.ts';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface TrainProgressPrinterOptions {
  stream: ProgressStream;
  /** Default: `stream.isTTY`. */
  tty?: boolean;
  /** Minimum ms between bar redraws on a TTY. Default 100. */
  intervalMs?: number;
  /** Seconds between mid-epoch lines when not a TTY. Default 30. */
  plainEverySec?: number;
  /** Clock in ms, for tests. Default performance.now. */
  now?: () => number;
}

export class TrainProgressPrinter {
  readonly tty: boolean;
  private readonly stream: ProgressStream;
  private readonly intervalMs: number;
  private readonly plainEveryMs: number;
  private readonly now: () => number;
  private lastDraw = -Infinity;
  private lastPlain: number;
  private barShown = false;
  private lastValLoss: number | undefined;
  private lastEta = 0;

  constructor(opts: TrainProgressPrinterOptions) {
    this.stream = opts.stream;
    this.tty = opts.tty ?? opts.stream.isTTY === true;
    this.intervalMs = opts.intervalMs ?? 100;
    this.plainEveryMs = (opts.plainEverySec ?? 30) * 1000;
    this.now = opts.now ?? (() => performance.now());
    this.lastPlain = this.now();
  }

  update(p: TrainProgress): void {
    const epochEnd = p.valLoss !== undefined;
    // train() reports ETA 0 after validation; keep the last step's estimate (the remaining epochs).
    if (!epochEnd) this.lastEta = p.etaSec;
    if (epochEnd) this.lastValLoss = p.valLoss;
    const t = this.now();
    if (this.tty) {
      if (!epochEnd && t - this.lastDraw < this.intervalMs && p.step !== p.steps) return;
      this.lastDraw = t;
      this.stream.write(`\r\x1b[2K${this.fit(barLine(p, this.lastValLoss, this.lastEta))}`);
      this.barShown = true;
      return;
    }
    if (epochEnd || t - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = t;
      this.stream.write(`${plainLine(p, this.lastValLoss, this.lastEta, epochEnd)}\n`);
    }
  }

  /** Data loading: episode `done` of `total` read (decoding JPEGs can take a while). */
  reading(done: number, total: number): void {
    const line = `reading episodes ${done}/${total}`;
    const t = this.now();
    if (this.tty) {
      if (t - this.lastDraw < this.intervalMs && done !== total) return;
      this.lastDraw = t;
      this.stream.write(`\r\x1b[2K${line}`);
      this.barShown = true;
    } else if (done === total || t - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = t;
      this.stream.write(`${line}\n`);
    }
  }

  /** Prints a line without garbling the bar (which is redrawn on the next update). */
  message(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
  }

  /** Ends the bar's line so later output starts on a fresh one. */
  done(): void {
    if (this.barShown) this.stream.write('\n');
    this.barShown = false;
  }

  private clear(): void {
    if (this.barShown) this.stream.write('\r\x1b[2K');
    this.barShown = false;
    this.lastDraw = -Infinity; // put the bar back at the next update, throttle or not
  }

  private fit(line: string): string {
    const cols = this.stream.columns;
    return cols != null && cols > 10 && line.length >= cols ? `${line.slice(0, cols - 2)}…` : line;
  }
}

function barLine(p: TrainProgress, valLoss: number | undefined, eta: number): string {
  const width = 20;
  const filled = Math.round((p.step / Math.max(p.steps, 1)) * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  return `epoch ${p.epoch + 1}/${p.epochs} ${bar} ${p.step}/${p.steps}  ${figures(p, valLoss, eta)}`;
}

function plainLine(p: TrainProgress, valLoss: number | undefined, eta: number, epochEnd: boolean): string {
  const where = epochEnd ? `epoch ${p.epoch + 1}/${p.epochs} done` : `epoch ${p.epoch + 1}/${p.epochs} step ${p.step}/${p.steps}`;
  return `${where}  ${figures(p, valLoss, eta)}`;
}

function figures(p: TrainProgress, valLoss: number | undefined, eta: number): string {
  const val = valLoss === undefined ? '—' : Number.isFinite(valLoss) ? formatLoss(valLoss) : 'n/a (no validation episodes)';
  return `loss ${formatLoss(p.loss)}  val ${val}  ${p.samplesPerSec.toFixed(0)} samples/s  ETA ${formatDuration(eta)}`;
}

export function formatLoss(x: number): string {
  return Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(4) : x.toExponential(2);
}

/** 75 → "1m15s", 3700 → "1h01m", 4.2 → "4s". */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
