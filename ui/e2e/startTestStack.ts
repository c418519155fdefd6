/**
 * The real stack for browser tests: the sim cell, the bridge and the built
 * UI on loopback ports. Uses the bridge's `startStack` when it exists;
 * until then composes the same parts itself (sim → roslib connection
 * through the `ur` profile → CellController → server), the way the bridge's
 * own control tests do.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface TestStack {
  url: string;
  close(): Promise<void>;
}

export async function startTestStack(opts: { uiDir: string }): Promise<TestStack> {
  const { AuditLog } = await import('../../bridge/src/access/index.ts');
  // Tests never write the operator's real audit log (~/.cellkit/audit.log).
  const auditLog = AuditLog.inMemory().audit;
  const quiet = (): void => {};
  const stackFile = fileURLToPath(new URL('../../bridge/src/app/startStack.ts', import.meta.url));
  if (existsSync(stackFile)) {
    const mod = (await import(stackFile)) as { startStack: (o: unknown) => Promise<TestStack> };
    return mod.startStack({ port: 0, sim: { port: 0, speed: 1, cameras: ['scene', 'wrist'], log: quiet }, uiDir: opts.uiDir, auditLog, log: quiet });
  }
  const { SimCellServer } = await import('@cellkit/bridge/sim');
  const { RosCellConnection } = await import('../../bridge/src/cell/RosCellConnection.ts');
  const { getProfile } = await import('../../bridge/src/profiles/index.ts');
  const { CellController } = await import('../../bridge/src/control/CellController.ts');
  const { startServer } = await import('../../bridge/src/server/startServer.ts');
  const { openAccess } = await import('../../bridge/src/access/index.ts');

  const sim = await SimCellServer.start({ port: 0, cameras: ['scene', 'wrist'], speed: 1, task: 'reach', log: quiet });
  const adapter = getProfile('ur').createAdapter({ cameras: ['scene', 'wrist'] });
  const cell = await RosCellConnection.connect({ url: sim.url, adapter, waitMs: 30_000 });
  const control = new CellController({ connection: cell, arm: adapter.arm });
  const server = await startServer({ cell, control, access: openAccess(), auditLog, uiDir: opts.uiDir, port: 0, log: quiet });
  return {
    url: server.url,
    close: async () => {
      await server.close();
      control.close();
      await cell.close();
      await sim.close();
    },
  };
}
