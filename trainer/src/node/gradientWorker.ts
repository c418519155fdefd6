// Worker-thread entry of workerGradientHelper: its own tfjs backend and a
// GradientReplica; answers one gradient request at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend/initBackend.ts';
import type { BackendPreference } from '../backend/initBackend.ts';
import type { GradientHelperSetup, GradientRequest } from '../parallel/GradientHelper.ts';
import { GradientReplica } from '../parallel/GradientReplica.ts';

const { setup, backend } = workerData as { setup: GradientHelperSetup; backend: BackendPreference };
const port = parentPort!;
try {
  await initBackend({ prefer: backend });
  const replica = new GradientReplica(setup);
  port.on('message', (req: GradientRequest) => {
    try {
      const reply = replica.gradients(req);
      port.postMessage({ reply }, reply.gradients.map((g) => g.buffer as ArrayBuffer));
    } catch (err) {
      port.postMessage({ error: String((err as Error)?.stack ?? err) });
    }
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ error: String((err as Error)?.stack ?? err) });
}
