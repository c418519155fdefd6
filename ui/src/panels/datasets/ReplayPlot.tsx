/**
 * A whole-episode plot of one replay series with a cursor at the clock's
 * time. The curves are drawn once per size into an offscreen canvas; each
 * animation frame where the clock moved only copies it and draws the cursor,
 * and the legend's values at the cursor are written straight into the DOM.
 * Click or drag on the plot to move the clock there.
 */
import { useRef } from 'react';
import { useFrameLoop } from '../../app/CellContext.tsx';
import { useReplayClock } from '../../app/DatasetsContext.tsx';
import type { ReplaySeries } from '../../data/datasets/DatasetsApi.ts';
import { frameAt } from '../../data/datasets/ReplayClock.ts';
import { SERIES_COLORS } from '../StripChart.tsx';

export interface ReplayPlotProps {
  title: string;
  unit: string;
  /** Grid times, s from start. */
  t: number[];
  series: ReplaySeries;
  /** Which channels to draw (default all). */
  channels?: number[];
  /** Display scale (rad → deg). Default 1. */
  scale?: number;
  /** Smallest y span shown, display units. */
  minSpan: number;
  /** s from start to the end of the replay (the x axis). */
  duration: number;
  /** Spans shaded as left out of training, s from start. */
  excluded?: { t0: number; t1: number }[];
  testId?: string;
}

const PAD = { l: 44, r: 8, t: 6, b: 18 };
/** Background of the spans left out of training (matches `.replay-excluded-key` in datasets.css). */
export const EXCLUDED_FILL = 'rgba(120, 130, 140, 0.16)';

export function ReplayPlot(p: ReplayPlotProps) {
  const clock = useReplayClock();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const valueRefs = useRef<(HTMLSpanElement | null)[]>([]);
  const last = useRef({ w: 0, h: 0, version: -1, bg: null as HTMLCanvasElement | null, series: null as ReplaySeries | null, excluded: undefined as ReplayPlotProps['excluded'], lo: 0, hi: 1, cursorIndex: -2 });
  const channels = p.channels ?? p.series.names.map((_, i) => i);
  const scale = p.scale ?? 1;
  const duration = Math.max(p.duration, 1e-3);

  useFrameLoop(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(canvas.clientWidth * dpr);
    const h = Math.round(canvas.clientHeight * dpr);
    const l = last.current;
    const resized = w !== l.w || h !== l.h || !l.bg || l.series !== p.series || l.excluded !== p.excluded;
    if (!resized && clock.version === l.version) return;
    if (resized) {
      canvas.width = w;
      canvas.height = h;
      l.w = w;
      l.h = h;
      l.series = p.series;
      l.excluded = p.excluded;
      l.cursorIndex = -2;
      l.bg = drawBackground(p, channels, scale, duration, w, h, dpr, l);
    }
    l.version = clock.version;
    const ctx = canvas.getContext('2d');
    if (!ctx || !l.bg) return;
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(l.bg, 0, 0);
    const x = PAD.l * dpr + (clock.t / duration) * (w - (PAD.l + PAD.r) * dpr);
    ctx.strokeStyle = '#1b232c';
    ctx.lineWidth = 2 * dpr;
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, PAD.t * dpr);
    ctx.lineTo(Math.round(x) + 0.5, h - PAD.b * dpr);
    ctx.stroke();
    const i = frameAt(p.t, clock.t);
    if (i !== l.cursorIndex) {
      l.cursorIndex = i;
      channels.forEach((c, k) => {
        const el = valueRefs.current[k];
        const v = i >= 0 ? p.series.values[c]?.[i] : null;
        if (el) el.textContent = v === null || v === undefined ? '—' : formatValue(v * scale, l.hi - l.lo);
      });
    }
  });

  const seekTo = (e: React.PointerEvent<HTMLCanvasElement>): void => {
    const r = e.currentTarget.getBoundingClientRect();
    const f = (e.clientX - r.left - PAD.l) / Math.max(1, r.width - PAD.l - PAD.r);
    clock.seek(Math.min(1, Math.max(0, f)) * duration);
  };

  return (
    <figure className="tile chart replay-plot">
      <figcaption className="tile-title">
        {p.title} <span className="unit">({p.unit})</span>
      </figcaption>
      <canvas
        ref={canvasRef}
        className="chart-canvas replay-plot-canvas"
        data-testid={p.testId}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          seekTo(e);
        }}
        onPointerMove={(e) => {
          if (e.buttons & 1) seekTo(e);
        }}
      />
      <div className="legend">
        {channels.map((c, k) => (
          <span key={c} className="legend-item">
            <i style={{ background: SERIES_COLORS[k % SERIES_COLORS.length] }} />
            {shortName(p.series.names[c] ?? `#${c}`)}{' '}
            <span className="legend-value" ref={(el) => void (valueRefs.current[k] = el)}>
              —
            </span>
          </span>
        ))}
      </div>
    </figure>
  );
}

/** `shoulder_pan_joint` → `shoulder pan`, `force.x` → `x`. */
function shortName(name: string): string {
  return name.replace(/_joint$/, '').replace(/^force\./, '').replace(/_/g, ' ');
}

function formatValue(v: number, span: number): string {
  const digits = span < 0.5 ? 3 : span < 5 ? 2 : 1;
  const text = v.toFixed(digits);
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}

function drawBackground(p: ReplayPlotProps, channels: number[], scale: number, duration: number, W: number, H: number, dpr: number, range: { lo: number; hi: number }): HTMLCanvasElement {
  const bg = document.createElement('canvas');
  bg.width = W;
  bg.height = H;
  const ctx = bg.getContext('2d')!;
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of channels) {
    for (const v of p.series.values[c] ?? []) {
      if (v === null) continue;
      const s = v * scale;
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
  }
  if (!Number.isFinite(lo)) {
    lo = -1;
    hi = 1;
  }
  const mid = (lo + hi) / 2;
  const span = Math.max(p.minSpan, (hi - lo) * 1.1);
  lo = mid - span / 2;
  hi = mid + span / 2;
  range.lo = lo;
  range.hi = hi;
  const x0 = PAD.l * dpr;
  const x1 = W - PAD.r * dpr;
  const y0 = PAD.t * dpr;
  const y1 = H - PAD.b * dpr;
  const xOf = (t: number): number => x0 + (t / duration) * (x1 - x0);
  const yOf = (v: number): number => y1 - ((v - lo) / (hi - lo)) * (y1 - y0);
  ctx.fillStyle = '#fbfcfd';
  ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
  // Grey bands: the spans training leaves out.
  ctx.fillStyle = EXCLUDED_FILL;
  for (const e of p.excluded ?? []) {
    const a = Math.max(x0, xOf(e.t0));
    const b = Math.min(x1, xOf(e.t1));
    if (b > a) ctx.fillRect(a, y0, b - a, y1 - y0);
  }
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  ctx.fillStyle = '#5b6570';
  ctx.strokeStyle = '#e3e7eb';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    const y = Math.round(yOf(v)) + 0.5;
    ctx.moveTo(x0, y);
    ctx.lineTo(x1, y);
    ctx.fillText(formatValue(v, hi - lo), 4 * dpr, y + 4 * dpr);
  }
  // A time line per "nice" step, labelled in seconds.
  // At least ~60 px between labels.
  const fits = Math.max(1, Math.floor((x1 - x0) / (60 * dpr)));
  const step = [0.5, 1, 2, 5, 10, 30, 60, 120, 300].find((s) => duration / s <= fits) ?? 600;
  for (let s = 0; s <= duration + 1e-9; s += step) {
    const x = Math.round(xOf(s)) + 0.5;
    ctx.moveTo(x, y0);
    ctx.lineTo(x, y1);
    ctx.fillText(`${s} s`, x + 2 * dpr, H - 4 * dpr);
  }
  ctx.stroke();
  const n = p.t.length;
  const stride = Math.max(1, Math.floor(n / ((x1 - x0) * 2)));
  ctx.lineWidth = 1.5 * dpr;
  ctx.lineJoin = 'round';
  channels.forEach((c, k) => {
    const values = p.series.values[c] ?? [];
    ctx.strokeStyle = SERIES_COLORS[k % SERIES_COLORS.length]!;
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < n; i += stride) {
      const v = values[i];
      if (v === null || v === undefined) {
        pen = false;
        continue;
      }
      const x = xOf(p.t[i]!);
      const y = yOf(v * scale);
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    }
    ctx.stroke();
  });
  return bg;
}
