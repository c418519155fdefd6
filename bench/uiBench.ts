/**
 * The operator page's frame rate under full telemetry, in headless Chromium
 * on the real stack (sim at --speed 1 with both cameras → bridge → built UI).
 *
 * In the page, for the window: requestAnimationFrame callbacks per second
 * (the frames the page produced), `longtask` entries (count, longest), and
 * as evidence that the load was on: camera frames drawn, plot redraws and
 * 3D pose changes per frame. A joint is jogged back and forth through the
 * page's own jog buttons for the whole window, so the 3D view, readout and
 * plots always have new data to draw.
 *
 * Reference, same browser, same run, same stack running: a blank page with
 * only the counting rAF loop (the headless compositor's cadence).
 *
 * Rendering (BENCH_UI_GPU): 'software' (default) is `--disable-gpu
 * --enable-unsafe-swiftshader`, what Chromium does on a machine without a
 * usable GPU: compositing and 2D canvases rasterised on the CPU, WebGL on
 * SwiftShader (ANGLE → SwiftShader Vulkan) in the GPU process. That is a
 * fair software WebGL for three.js. 'swiftshader' leaves the GPU on, so
 * headless Chromium emulates a GPU on the CPU for everything, compositing
 * and accelerated 2D canvases included; no operator's machine works that
 * way, but it is a harsh stress case for canvas drawing. The renderer in
 * use is printed.
 *
 * Diagnosis: BENCH_UI_HIDE='<css selector>' hides part of the page (e.g.
 * `.charts`, `.arm`, `.camera`) to see what a part costs; the Chromium CPU
 * per frame by process type is printed either way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CDPSession, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { AuditLog } from '../bridge/src/access/index.ts';
import { startStack } from '../bridge/src/app/startStack.ts';
import { result, type BenchResult } from './BenchResult.ts';

const uiRoot = fileURLToPath(new URL('../ui/', import.meta.url));
const windowSeconds = Math.min(20, Number(process.env.BENCH_SECONDS ?? 60));
const warmupSeconds = 3;
const FPS_TARGET = 55;
const LONG_TASK_BOUND_MS = 50;
const NOMINAL_CAMERA_HZ = 30;
/** BridgeClient's default `maxRateHz`: telemetry arrives in batches at this rate, so a plot has new data this often. */
const TELEMETRY_HZ = 30;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless=new',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const RENDERING: Record<string, string[]> = {
  software: ['--disable-gpu', '--enable-unsafe-swiftshader'],
  swiftshader: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
};
const rendering = process.env.BENCH_UI_GPU ?? 'software';

/** What the in-page probe reports for one window. */
interface WindowStats {
  seconds: number;
  frames: number;
  /** ms between consecutive rAF callbacks, sorted. */
  intervals: number[];
  longTasks: number[];
  /** Frames in which the 3D view's drawn pose differed from the previous frame. */
  armChanges: number;
  /** Strip-chart redraws (clearRect on a chart canvas). */
  plotDraws: number;
  /** Camera frames drawn, per camera. */
  cameraFrames: Record<string, number>;
  /** Long animation frames over 50 ms: duration and the scripts that ran, for diagnosis. */
  slowFrames: { duration: number; scripts: string[] }[];
  webgl: string;
}

/**
 * Installed before any page script (as a string: tsx's helpers do not exist
 * in the page). Observes long tasks from the start and counts chart redraws;
 * `__uiBench.run(ms)` counts frames for a window and returns WindowStats.
 */
const PROBE = `(() => {
  const longTasks = [];
  const slowFrames = [];
  try { new PerformanceObserver((l) => { for (const e of l.getEntries()) longTasks.push({ t: e.startTime, d: e.duration }); }).observe({ type: 'longtask', buffered: true }); } catch {}
  try { new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.duration > 50) slowFrames.push({ t: e.startTime, duration: e.duration, scripts: (e.scripts || []).map((s) => Math.round(s.duration) + ' ms ' + s.invokerType + ' ' + s.invoker + ' ' + (s.sourceFunctionName || '') + ' ' + (s.sourceURL || '').replace(/^.*\\//, '') + ':' + s.sourceCharPosition) }); }).observe({ type: 'long-animation-frame', buffered: true }); } catch {}
  let plotDraws = 0;
  const clear = CanvasRenderingContext2D.prototype.clearRect;
  CanvasRenderingContext2D.prototype.clearRect = function (...a) {
    const id = this.canvas && this.canvas.dataset && this.canvas.dataset.testid;
    if (id && id.startsWith('chart-')) plotDraws++;
    return clear.apply(this, a);
  };
  const cameraFrames = () => {
    const out = {};
    for (const c of document.querySelectorAll('canvas[data-testid^=camera-]')) out[c.dataset.testid.slice(7)] = Number(c.dataset.frames || 0);
    return out;
  };
  const webgl = () => {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return 'none';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  };
  window.__uiBench = {
    run: (ms) => new Promise((resolve) => {
      const cams0 = cameraFrames();
      const draws0 = plotDraws;
      const intervals = [];
      let frames = 0, armChanges = 0, lastQ = null, prev = 0, t0 = 0;
      const tick = (now) => {
        if (t0 === 0) { t0 = now; prev = now; requestAnimationFrame(tick); return; }
        frames++;
        intervals.push(now - prev);
        prev = now;
        const arm = document.querySelector('[data-testid=arm-canvas]');
        const q = arm ? arm.dataset.q : null;
        if (q != null && lastQ != null && q !== lastQ) armChanges++;
        lastQ = q;
        if (now - t0 < ms) { requestAnimationFrame(tick); return; }
        const cams1 = cameraFrames();
        const cams = {};
        for (const k of Object.keys(cams1)) cams[k] = cams1[k] - (cams0[k] || 0);
        const inWindow = (e) => e.t >= t0 && e.t < now;
        resolve({
          seconds: (now - t0) / 1000, frames, intervals: intervals.sort((a, b) => a - b),
          longTasks: longTasks.filter(inWindow).map((e) => e.d), armChanges, plotDraws: plotDraws - draws0,
          cameraFrames: cams, slowFrames: slowFrames.filter(inWindow).map((e) => ({ duration: e.duration, scripts: e.scripts })), webgl: webgl(),
        });
      };
      requestAnimationFrame(tick);
    }),
  };
})();`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error(`ui bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** CPU seconds so far of each Chromium process type (renderer, GPU, browser, …), summed over processes. */
async function chromiumCpu(cdp: CDPSession): Promise<Record<string, number>> {
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; cpuTime: number }[] };
  const out: Record<string, number> = {};
  for (const p of processInfo) out[p.type] = (out[p.type] ?? 0) + p.cpuTime;
  return out;
}

/** One window: the page's own counts, plus what the machine did meanwhile (Chromium CPU per process type, this process's CPU, load). */
interface Measured extends WindowStats {
  /** CPU s used during the window, by Chromium process type. */
  cpu: Record<string, number>;
  /** CPU s used by this process (sim + bridge + bench driver). */
  stackCpu: number;
  /** 1-minute load average at the end; the machine has `cores` CPUs. */
  load: number;
  /** The page's main thread: s inside tasks (wall clock) and s on a CPU (thread time). */
  mainTask: number;
  mainCpu: number;
}

/** The page's main thread so far: s inside tasks (wall clock) and s on a CPU. Counted from `Performance.enable` on this session. */
async function mainThread(session: CDPSession): Promise<{ task: number; cpu: number }> {
  const { metrics } = (await session.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
  return { task: get('TaskDuration'), cpu: get('ThreadTime') };
}

async function measure(page: Page, cdp: CDPSession, seconds: number): Promise<Measured> {
  const session = await page.context().newCDPSession(page);
  await session.send('Performance.enable');
  const main0 = await mainThread(session);
  const cpu0 = await chromiumCpu(cdp);
  const node0 = process.cpuUsage();
  const stats = (await page.evaluate(`window.__uiBench.run(${seconds * 1000})`)) as WindowStats;
  const node1 = process.cpuUsage(node0);
  const cpu1 = await chromiumCpu(cdp);
  const main1 = await mainThread(session);
  await session.detach();
  const cpu: Record<string, number> = {};
  for (const k of Object.keys(cpu1)) cpu[k] = cpu1[k] - (cpu0[k] ?? 0);
  return { ...stats, cpu, stackCpu: (node1.user + node1.system) / 1e6, load: loadavg()[0], mainTask: main1.task - main0.task, mainCpu: main1.cpu - main0.cpu };
}

const cores = cpus().length;

function describeLoad(label: string, m: Measured): string {
  const perFrame = (s: number) => ((s * 1000) / Math.max(1, m.frames)).toFixed(1);
  const main = `main thread in tasks ${(m.mainTask / m.seconds * 100).toFixed(0)}% of the time, on a CPU for ${((m.mainCpu / m.mainTask) * 100).toFixed(0)}% of that`;
  return `${label}: ${main}; Chromium CPU per frame renderer ${perFrame(m.cpu.renderer ?? 0)} ms, GPU ${perFrame(m.cpu.GPU ?? 0)} ms, browser ${perFrame(m.cpu.browser ?? 0)} ms; sim+bridge ${(m.stackCpu / m.seconds).toFixed(2)} cores; load average ${m.load.toFixed(1)} on ${cores} cores`;
}

/** Holds joint 1's + then − button, alternating every 1.5 s, until `stop()`; the arm stays near where it started. */
function jogBackAndForth(page: Page): { stop: () => Promise<void> } {
  let running = true;
  const done = (async () => {
    const plus = (await page.getByTestId('jog-0-plus').boundingBox())!;
    const minus = (await page.getByTestId('jog-0-minus').boundingBox())!;
    for (let k = 0; running; k++) {
      const b = k % 2 === 0 ? plus : minus;
      await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
      await page.mouse.down();
      for (let t = 0; t < 15 && running; t++) await sleep(100);
      await page.mouse.up();
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const fmtMs = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN);

export async function uiBench(): Promise<BenchResult[]> {
  if (!RENDERING[rendering]) throw new Error(`BENCH_UI_GPU: expected one of ${Object.keys(RENDERING).join(', ')}, found '${rendering}'`);
  const tmp = mkdtempSync(join(tmpdir(), 'cellkit-uibench-'));
  const outDir = join(tmp, 'ui');
  await build({ root: uiRoot, configFile: join(uiRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const stack = await startStack({
    sim: { port: 0, speed: 1, cameras: ['scene', 'wrist'], log: () => {} },
    port: 0,
    uiDir: outDir,
    auditLog: AuditLog.inMemory().audit,
    dataDir: join(tmp, 'data'),
    policiesDir: join(tmp, 'policies'),
    log: () => {},
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...RENDERING[rendering]] });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript({ content: PROBE });

    const cdp = await browser.newBrowserCDPSession();
    // Reference: a blank page, alone in the browser, while the stack runs:
    // once before the UI page opens and once after it closes, so a change in
    // the machine's load during the run shows up in the reference too.
    const blankWindow = async (): Promise<Measured> => {
      const blankPage = await context.newPage();
      await blankPage.setContent('<!doctype html><title>blank</title>');
      await blankPage.evaluate(PROBE);
      await sleep(1000);
      const m = await measure(blankPage, cdp, windowSeconds / 2);
      await blankPage.close();
      return m;
    };
    const blankBefore = await blankWindow();

    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${stack.url}/?name=bench#/live`);
    await waitFor(async () => (await page.getByTestId('connection').getAttribute('data-state')) === 'open', 'the page to connect');
    for (const cam of ['scene', 'wrist']) {
      await waitFor(async () => Number(await page.getByTestId(`camera-${cam}`).getAttribute('data-frames')) > 2, `frames from the ${cam} camera`);
    }
    await waitFor(async () => ((await page.locator('[data-testid=arm-canvas]').getAttribute('data-q')) ?? '') !== '', 'the 3D view to draw the joints');
    await page.getByTestId('take-control').click();
    await waitFor(() => page.getByTestId('jog-0-plus').isEnabled(), 'the jog buttons after taking control');
    if (process.env.BENCH_UI_HIDE) await page.addStyleTag({ content: `${process.env.BENCH_UI_HIDE} { display: none !important; }` });
    const jog = jogBackAndForth(page);
    await sleep(warmupSeconds * 1000);
    const sim0 = stack.sim!.runner.getStats();
    const ui = await measure(page, cdp, windowSeconds);
    const sim1 = stack.sim!.runner.getStats();
    // Camera frames the sim rendered in the window (it skips a tick while the renderer is busy).
    const simCameraHz = NOMINAL_CAMERA_HZ - (sim1.cameraFramesSkipped - sim0.cameraFramesSkipped) / ui.seconds;
    const simRtf = (sim1.simTime - sim0.simTime) / (sim1.wallTime - sim0.wallTime);
    await jog.stop();
    await page.close();
    if (errors.length) throw new Error(`ui bench: the page threw: ${errors.join('; ')}`);
    const blankAfter = await blankWindow();

    const fps = ui.frames / ui.seconds;
    const blankFps = (blankBefore.frames + blankAfter.frames) / (blankBefore.seconds + blankAfter.seconds);
    const blankLong = blankBefore.longTasks.length + blankAfter.longTasks.length;
    const maxLong = ui.longTasks.length ? Math.max(...ui.longTasks) : 0;
    const longPerS = ui.longTasks.length / ui.seconds;
    const blankLongPerS = blankLong / (blankBefore.seconds + blankAfter.seconds);
    const intervals = (m: Measured) => `${percentile(m.intervals, 0.5).toFixed(1)}/${percentile(m.intervals, 0.99).toFixed(1)}/${Math.max(...m.intervals).toFixed(1)} ms`;
    const ms = (cpuS: number) => (cpuS * 1000) / Math.max(1, ui.frames);
    console.log(`  rendering '${rendering}' (${RENDERING[rendering].join(' ')}); WebGL: ${ui.webgl}`);
    console.log(`  sim during the UI window: real-time factor ${simRtf.toFixed(3)}, cameras rendered ${simCameraHz.toFixed(1)} Hz of ${NOMINAL_CAMERA_HZ} Hz`);
    console.log(`  UI window ${ui.seconds.toFixed(1)} s after ${warmupSeconds} s warm-up, 1280×800, jogging joint 1 back and forth`);
    console.log(`  blank page before ${(blankBefore.frames / blankBefore.seconds).toFixed(1)} fps, after ${(blankAfter.frames / blankAfter.seconds).toFixed(1)} fps`);
    console.log(`  frame interval p50/p99/max: UI ${intervals(ui)}, blank before ${intervals(blankBefore)}, after ${intervals(blankAfter)}`);
    console.log(`  ${describeLoad('UI', ui)}`);
    console.log(`  ${describeLoad('blank before', blankBefore)}`);
    console.log(`  ${describeLoad('blank after', blankAfter)}`);
    if (ui.longTasks.length) console.log(`  long tasks (ms): ${fmtMs(ui.longTasks)}`);
    const slow = [...ui.slowFrames].sort((x, y) => y.duration - x.duration);
    if (slow.length) console.log(`  ${slow.length} animation frames over 50 ms; the longest:`);
    for (const f of slow.slice(0, 3)) console.log(`    ${f.duration.toFixed(0)} ms: ${f.scripts.join(' | ') || '(no script ran long: rendering, GC, or the thread was not scheduled)'}`);

    const out: BenchResult[] = [
      result({
        name: `ui Live page frames/s under full telemetry (joints+wrench 500 Hz, 2 cameras 30 Hz, 3D, 4 plots, jogging), ${ui.seconds.toFixed(0)} s`,
        value: fps,
        unit: 'fps',
        against: 'blank page, same browser',
        reference: blankFps,
        target: `≥ ${FPS_TARGET} fps`,
        met: fps >= FPS_TARGET,
      }),
      result({
        name: 'ui Live page longest task',
        value: maxLong,
        unit: 'ms',
        against: 'bound',
        reference: LONG_TASK_BOUND_MS,
        target: `≤ ${LONG_TASK_BOUND_MS} ms`,
        met: maxLong <= LONG_TASK_BOUND_MS,
      }),
      result({
        name: `ui Live page long tasks (> 50 ms) per second (${ui.longTasks.length} in the window; ratio is to the blank page, NaN when it had none)`,
        value: longPerS,
        unit: '/s',
        against: 'blank page',
        reference: blankLongPerS,
        target: '= 0',
        met: ui.longTasks.length === 0,
      }),
      result({
        name: 'ui Live page renderer CPU per frame (main thread + compositor + raster workers)',
        value: ms(ui.cpu.renderer ?? 0),
        unit: 'ms',
        against: 'frame budget at 60 fps',
        reference: 1000 / 60,
      }),
      result({
        name: 'ui Live page GPU-process CPU per frame (SwiftShader: WebGL, canvas and compositing on the CPU)',
        value: ms(ui.cpu.GPU ?? 0),
        unit: 'ms',
        against: 'frame budget at 60 fps',
        reference: 1000 / 60,
      }),
      result({
        name: 'ui 3D view: arm pose redrawn with new joints',
        value: ui.armChanges / ui.seconds,
        unit: 'Hz',
        against: 'telemetry batch rate the page subscribes at',
        reference: TELEMETRY_HZ,
      }),
      result({
        name: 'ui strip charts: redraws per plot',
        value: ui.plotDraws / 4 / ui.seconds,
        unit: 'Hz',
        against: 'telemetry batch rate the page subscribes at',
        reference: TELEMETRY_HZ,
      }),
    ];
    for (const [cam, n] of Object.entries(ui.cameraFrames)) {
      out.push(result({ name: `ui ${cam} camera frames drawn (nominal ${NOMINAL_CAMERA_HZ} Hz)`, value: n / ui.seconds, unit: 'Hz', against: 'rendered by the sim in the window', reference: simCameraHz }));
    }
    return out;
  } finally {
    await browser.close();
    await stack.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
