import { formatResult, type BenchResult } from './BenchResult.ts';
import { simBench } from './simBench.ts';
import { bridgeBench } from './bridgeBench.ts';
import { recorderBench } from '../recorder/bench/recorderBench.ts';
import { trainerSuite } from './trainerSuite.ts';
import { uiBench } from './uiBench.ts';

/**
 * `npm run bench [name…]`: each suite prints its figures as it finishes.
 * Suites: sim, bridge, recorder, trainer, ui. Environment: BENCH_SECONDS scales the long
 * real-time runs (default 60); BENCH_RECORDER_SECONDS is the recorder's stream
 * mix (default 600: ten minutes of data); BENCH_EXPERT_SEEDS (default 50);
 * BENCH_UI_GPU, the ui suite's rendering: software (default) or swiftshader.
 */
const suites: Record<string, () => Promise<BenchResult[]>> = {
  sim: simBench,
  bridge: bridgeBench,
  recorder: () =>
    recorderBench({
      seconds: Number(process.env.BENCH_RECORDER_SECONDS ?? 600),
      realTimeSeconds: Number(process.env.BENCH_SECONDS ?? 60),
    }),
  trainer: trainerSuite,
  ui: uiBench,
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!suites[name]) {
    console.error(`unknown bench suite '${name}'; expected one of ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
}
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  const results = await run();
  for (const r of results) console.log(formatResult(r));
}
