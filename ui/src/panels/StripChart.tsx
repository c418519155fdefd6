/**
 * A scrolling plot of one ring buffer, drawn imperatively on a canvas at
 * display rate: no React state per sample, no redraw when nothing arrived.
 * The newest sample is at the right edge; the y range follows the data
 * but only widens quickly and narrows slowly, so the picture stays calm.
 */
import { useRef } from 'react';
import { useFrameLoop } from '../app/CellContext.tsx';
import type { TimeSeries } from '../data/TimeSeries.ts';

export const SERIES_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00'];

export interface StripChartProps {
  title: string;
  unit: string;
  /** Read on every frame: the buffer may be replaced on reconnect. */
  series: () => TimeSeries;
  /** Channels to draw and their legend names. */
  channels: { index: number; label: string }[];
  /** Display scale (e.g. rad → deg). Default 1. */
  scale?: number;
  /** s shown. Default 10. */
  windowSeconds?: number;
  /** Smallest y span shown, in display units (keeps noise from filling the plot). */
  minSpan: number;
  testId?: string;
}

export function StripChart(props: StripChartProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const last = useRef({ version: -1, series: null as TimeSeries | null, w: 0, h: 0, lo: Number.NaN, hi: Number.NaN });

  useFrameLoop(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const ts = props.series();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(canvas.clientWidth * dpr);
    const h = Math.round(canvas.clientHeight * dpr);
    const l = last.current;
    if (ts === l.series && ts.version === l.version && w === l.w && h === l.h) return;
    l.series = ts;
    l.version = ts.version;
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    l.w = w;
    l.h = h;
    drawChart(canvas, ts, props, dpr, l);
  });

  return (
    <figure className="tile chart">
      <figcaption className="tile-title">
        {props.title} <span className="unit">({props.unit})</span>
      </figcaption>
      <canvas ref={canvasRef} className="chart-canvas" data-testid={props.testId} />
      <div className="legend">
        {props.channels.map((c, i) => (
          <span key={c.index} className="legend-item">
            <i style={{ background: SERIES_COLORS[i % SERIES_COLORS.length] }} />
            {c.label}
          </span>
        ))}
      </div>
    </figure>
  );
}

function drawChart(canvas: HTMLCanvasElement, ts: TimeSeries, p: StripChartProps, dpr: number, range: { lo: number; hi: number }): void {
  // willReadFrequently keeps this canvas rasterised on the CPU: thousands of
  // thin line segments per frame cost far more as GPU paths on a weak or
  // emulated GPU (SwiftShader: ~14 ms of GPU-process CPU per chart per frame,
  // vs ~1 ms on the CPU; `npm run bench ui` with BENCH_UI_GPU=swiftshader).
  // Options must match on every getContext call for this canvas.
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return;
  const W = canvas.width;
  const H = canvas.height;
  const padL = 44 * dpr;
  const padR = 6 * dpr;
  const padT = 6 * dpr;
  const padB = 6 * dpr;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = '#fbfcfd';
  ctx.fillRect(padL, padT, W - padL - padR, H - padT - padB);
  const scale = p.scale ?? 1;
  const windowS = p.windowSeconds ?? 10;
  const n = ts.size;
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  ctx.fillStyle = '#5b6570';
  if (n === 0) {
    ctx.fillText('waiting for data…', padL + 8 * dpr, H / 2);
    return;
  }
  const tEnd = ts.latestTime();
  const tStart = tEnd - windowS;
  const first = ts.indexAtOrAfter(tStart);
  // y range of the visible data.
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = first; i < n; i++) {
    for (const c of p.channels) {
      const v = ts.valueAt(i, c.index) * scale;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) {
    lo = -1;
    hi = 1;
  }
  const mid = (lo + hi) / 2;
  const span = Math.max(p.minSpan, (hi - lo) * 1.15);
  let wantLo = mid - span / 2;
  let wantHi = mid + span / 2;
  // Widen at once, narrow slowly: the axis does not jitter with the data.
  if (Number.isFinite(range.lo)) {
    wantLo = wantLo < range.lo ? wantLo : range.lo + (wantLo - range.lo) * 0.05;
    wantHi = wantHi > range.hi ? wantHi : range.hi + (wantHi - range.hi) * 0.05;
  }
  range.lo = wantLo;
  range.hi = wantHi;
  const x0 = padL;
  const x1 = W - padR;
  const y0 = padT;
  const y1 = H - padB;
  const xOf = (t: number): number => x0 + ((t - tStart) / windowS) * (x1 - x0);
  const yOf = (v: number): number => y1 - ((v - wantLo) / (wantHi - wantLo)) * (y1 - y0);

  // Grid: 4 horizontal lines with labels, one vertical line per 2 s.
  ctx.strokeStyle = '#e3e7eb';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let k = 0; k <= 4; k++) {
    const v = wantLo + ((wantHi - wantLo) * k) / 4;
    const y = Math.round(yOf(v)) + 0.5;
    ctx.moveTo(x0, y);
    ctx.lineTo(x1, y);
    ctx.fillText(formatTick(v, wantHi - wantLo), 4 * dpr, y + 4 * dpr);
  }
  for (let s = Math.ceil(tStart / 2) * 2; s <= tEnd; s += 2) {
    const x = Math.round(xOf(s)) + 0.5;
    ctx.moveTo(x, y0);
    ctx.lineTo(x, y1);
  }
  ctx.stroke();
  if (wantLo < 0 && wantHi > 0) {
    ctx.strokeStyle = '#b8c0c8';
    ctx.beginPath();
    ctx.moveTo(x0, Math.round(yOf(0)) + 0.5);
    ctx.lineTo(x1, Math.round(yOf(0)) + 0.5);
    ctx.stroke();
  }

  // At most ~2 points per pixel column.
  const count = n - first;
  const step = Math.max(1, Math.floor(count / ((x1 - x0) * 2)));
  ctx.lineWidth = 1.5 * dpr;
  ctx.lineJoin = 'round';
  p.channels.forEach((c, ci) => {
    ctx.strokeStyle = SERIES_COLORS[ci % SERIES_COLORS.length];
    ctx.beginPath();
    let pen = false;
    for (let i = first; i < n; i += step) {
      const v = ts.valueAt(i, c.index) * scale;
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      const x = xOf(ts.timeAt(i));
      const y = yOf(v);
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    }
    ctx.stroke();
  });
}

function formatTick(v: number, span: number): string {
  const digits = span < 0.5 ? 2 : span < 5 ? 1 : 0;
  const text = v.toFixed(digits);
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}
