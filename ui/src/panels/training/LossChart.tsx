/**
 * Training and validation loss per epoch on a canvas, log-scaled (losses
 * fall over decades). The x axis grows with the run up to its planned
 * epochs; the epoch in progress is drawn
 * as a dashed extension of the training curve. The data is low-rate (a poll
 * every half second), so the chart redraws when it changes or resizes.
 */
import { useEffect, useRef } from 'react';

export interface LossChartProps {
  trainLoss: number[];
  valLoss: (number | null)[];
  /** Planned epochs (x axis end). */
  epochs: number;
  /** The epoch in progress: its position (epochs done + fraction) and running loss. */
  current?: { x: number; loss: number } | null;
  height?: number;
}

const TRAIN = '#1d4f91';
const VAL = '#c2571a';
const GRID = '#e3e7eb';
const TEXT = '#5b6672';

/** Ticks for a log axis between lo and hi: 1, 2, 5 × 10^k, thinned to about `max`. */
function logTicks(lo: number, hi: number, max: number): number[] {
  const all: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** k;
      if (v >= lo && v <= hi) all.push(v);
    }
  }
  if (all.length <= max) return all;
  const decades = all.filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
  return decades.length >= 2 ? decades : [all[0]!, all[all.length - 1]!];
}

function niceStep(range: number, max: number): number {
  const raw = range / max;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
}

function tickText(v: number): string {
  return v >= 1e-3 && v < 1000 ? String(Number(v.toPrecision(2))) : v.toExponential(0);
}

function draw(canvas: HTMLCanvasElement, props: LossChartProps): void {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (width === 0 || height === 0) return;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, width, height);
  g.font = '12px system-ui, sans-serif';

  const { trainLoss, valLoss, current } = props;
  const values = [...trainLoss, ...valLoss, current?.loss ?? null].filter((v): v is number => v !== null && Number.isFinite(v) && v > 0);
  const left = 52;
  const right = 14;
  const top = 10;
  const bottom = 30;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  // The axis grows with the run (a quarter ahead, at least 10 epochs) up to the planned epochs:
  // a 3000-epoch run would otherwise squash its first epochs into the left edge.
  const reached = Math.max(trainLoss.length, Math.ceil(current?.x ?? 0));
  const xMax = Math.max(reached, 1, Math.min(props.epochs, Math.max(10, Math.ceil((reached + 1) * 1.25))));

  g.strokeStyle = GRID;
  g.lineWidth = 1;
  g.strokeRect(left + 0.5, top + 0.5, plotW, plotH);
  if (values.length === 0) {
    g.fillStyle = TEXT;
    g.textAlign = 'center';
    g.fillText('The loss curves appear after the first training steps', left + plotW / 2, top + plotH / 2);
    return;
  }

  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi / lo < 3) {
    const mid = Math.sqrt(hi * lo);
    lo = mid / 1.8;
    hi = mid * 1.8;
  }
  lo /= 1.15;
  hi *= 1.15;
  const y = (v: number): number => top + plotH * (1 - (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)));
  // Epoch k's value is plotted at x = k (1-based: after epoch k); the start is x = 0.
  const x = (epoch: number): number => left + (plotW * epoch) / xMax;

  g.fillStyle = TEXT;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (const t of logTicks(lo, hi, Math.max(2, Math.floor(plotH / 28)))) {
    const ty = Math.round(y(t)) + 0.5;
    g.strokeStyle = GRID;
    g.beginPath();
    g.moveTo(left, ty);
    g.lineTo(left + plotW, ty);
    g.stroke();
    g.fillText(tickText(t), left - 6, ty);
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  const step = Math.max(1, niceStep(xMax, Math.max(2, Math.floor(plotW / 60))));
  for (let e = 0; e <= xMax + 1e-9; e += step) {
    // The last label ends at the plot's edge instead of running off the canvas.
    g.textAlign = x(e) + 20 > width ? 'right' : 'center';
    g.fillText(String(Math.round(e)), Math.min(x(e), width - 2), top + plotH + 5);
  }
  g.textAlign = 'right';
  g.fillText('epoch', left + plotW, top + plotH + 18);

  const line = (points: [number, number][], color: string, dash: number[] = [], width = 2.5): void => {
    if (points.length === 0) return;
    g.strokeStyle = color;
    g.fillStyle = color;
    g.lineWidth = width;
    g.setLineDash(dash);
    g.beginPath();
    points.forEach(([px, py], i) => (i === 0 ? g.moveTo(px, py) : g.lineTo(px, py)));
    g.stroke();
    g.setLineDash([]);
    for (const [px, py] of points) {
      g.beginPath();
      g.arc(px, py, 3, 0, Math.PI * 2);
      g.fill();
    }
  };
  const pts = (series: (number | null)[]): [number, number][] =>
    series.flatMap((v, i) => (v !== null && Number.isFinite(v) && v > 0 ? [[x(i + 1), y(v)] as [number, number]] : []));
  const train = pts(trainLoss);
  line(train, TRAIN);
  line(pts(valLoss), VAL, [7, 4]);
  if (current && current.loss > 0 && Number.isFinite(current.loss)) {
    const last = train[train.length - 1];
    g.strokeStyle = TRAIN;
    g.lineWidth = 1.5;
    g.setLineDash([3, 3]);
    g.beginPath();
    if (last) g.moveTo(last[0], last[1]);
    else g.moveTo(x(current.x), y(current.loss));
    g.lineTo(x(current.x), y(current.loss));
    g.stroke();
    g.setLineDash([]);
    g.beginPath();
    g.arc(x(current.x), y(current.loss), 4, 0, Math.PI * 2);
    g.fillStyle = '#fff';
    g.fill();
    g.stroke();
  }
}

export function LossChart(props: LossChartProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    if (ref.current) draw(ref.current, props);
  });

  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => draw(canvas, latest.current));
    ro.observe(canvas);
    return () => ro.disconnect();
  }, []);

  return (
    <figure className="tr-chart" data-testid="loss-chart" data-points={props.trainLoss.length}>
      <canvas ref={ref} style={{ width: '100%', height: props.height ?? 240, display: 'block' }} aria-label="Training and validation loss per epoch" />
      <figcaption className="tr-legend">
        <span className="tr-key tr-key-train">Training loss</span>
        <span className="tr-key tr-key-val">Validation loss</span>
        <span className="tr-legend-note">Lower is better. If validation rises while training keeps falling, the policy is memorizing the demonstrations.</span>
      </figcaption>
    </figure>
  );
}
