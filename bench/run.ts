import { formatResult, type BenchResult } from './BenchResult.ts';
import { simBench } from './simBench.ts';
import { bridgeBench } from './bridgeBench.ts';
import { recorderBench } from '../recorder/bench/recorderBench.ts';
import { trainerSuite } from './trainerSuite.ts';
import { uiBench } from './uiBench.ts';
import { loopBench } from './loopBench.ts';

/**
 * `npm run bench [name…]`: each suite prints its figures as it finishes.
 * Suites: sim, bridge, recorder, trainer, ui, loop; with no names, all of them.
 * `loop` (demo → train → eval per task through the CLI, loopBench.ts) takes
 * about an hour: `npm run bench loop` runs it alone. Environment: BENCH_SECONDS scales the long
 * real-time runs (default 60); BENCH_RECORDER_SECONDS is the recorder's stream
 * mix (default 600: ten minutes of data); BENCH_EXPERT_SEEDS (default 50);
 * BENCH_UI_GPU, the ui suite's rendering: software (default) or swiftshader;
 * BENCH_LOOP_TASKS, BENCH_LOOP_DEMOS, BENCH_LOOP_EVAL, BENCH_LOOP_EPOCHS,
 * BENCH_KEEP for the loop (see loopBench.ts).
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
  loop: loopBench,
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!suites[name]) {
    console.error(`unknown bench suite '${name}'; expected one of ${Object.keys(suites).join(', ')}`);
    console.error('usage: npm run bench [suite…] (no names: every suite, loop included, ~1 h for loop alone; `npm run bench loop` runs just the loop)');
    process.exit(2);
  }
}
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  const results = await run();
  for (const r of results) console.log(formatResult(r));
}
