import { RosCellConnection } from '../cell/index.ts';
import { loadCellConfig, resolveCellConfig, type CellConfig } from '../config/index.ts';
import { CellController, type CellControllerOptions } from '../control/index.ts';
import { CellRecording, CellRecordingSource, type CellRecordingOptions } from '../recording/index.ts';
import { PolicyService } from '../policy/PolicyService.ts';
import { startServer, type RunningServer } from '../server/index.ts';
import type { AuditLog } from '../access/index.ts';
import { SimCellServer, type SimCellServerOptions } from '../../sim/index.ts';
import { simCellConfig } from './simCellConfig.ts';

import type { LogFn } from '../server/SessionContext.ts';
export type { LogFn };

export interface StartStackOptions {
  /** Run the embedded sim cell with these options; false to connect to a real cell (default: run it). */
  sim?: SimCellServerOptions | false;
  /** Cell config file (YAML/JSON) for a real cell; ignored when the sim runs. */
  configFile?: string;
  /** rosbridge URL of a real cell (overrides the config's url). */
  rosbridge?: string;
  /** Robot profile for a real cell without a config file (default 'ur'). */
  profile?: string;
  /** The bridge's HTTP/ws address (default 127.0.0.1:8080; port 0 picks a free one). */
  host?: string;
  port?: number;
  /** Built UI to serve at `/` (ui/dist). */
  uiDir?: string;
  /** Audit log; default the file ~/.cellkit/audit.log. */
  auditLog?: AuditLog;
  tokenFile?: string;
  /** Folder of the datasets `record.start` names (one subfolder each, created on first use). Default `./data`. */
  dataDir?: string;
  /**
   * Controller tunables. `watchdogPeriods` is a wall-clock bound on joint-state
   * silence; an embedded sim at speed 'max' pauses (in wall time, not sim time)
   * while it renders cameras, so `cellkit demo` widens it there.
   */
  controller?: Pick<CellControllerOptions, 'watchdogPeriods'>;
  /** Recorder tunables and a dataset opener (tests inject failing storage). */
  recording?: Pick<CellRecordingOptions, 'recorder' | 'openDataset'>;
  /** Folder of the policy bundles `policy.start` names (one subfolder each). Default `./policies`. */
  policiesDir?: string;
  log?: LogFn;
}

export interface RunningStack {
  /** http://host:port of the bridge (UI at `/`, websocket at `/ws`). */
  url: string;
  wsUrl: string;
  sim?: SimCellServer;
  connection: RosCellConnection;
  controller: CellController;
  /** Episode recording over the connection and controller (what `record.*` drives). */
  recording: CellRecording;
  /** The policy runner behind `policy.*` (supervised takeovers are recorded into dataset `interventions`). */
  policy: PolicyService;
  server: RunningServer;
  close(): Promise<void>;
}

/**
 * The main job: (sim cell) → roslib connection through a robot profile →
 * controller with the safety layer → fastify/ws server with the UI. Each
 * piece is closed in reverse order, and a failure while starting closes what
 * had started.
 */
export async function startStack(opts: StartStackOptions = {}): Promise<RunningStack> {
  const log = opts.log ?? (() => {});
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch((e: Error) => log('error', `while closing: ${e.message}`));
  };
  try {
    let sim: SimCellServer | undefined;
    let config: CellConfig;
    if (opts.sim !== false) {
      const simOpts = { cameras: ['scene', 'wrist'], ...opts.sim, log: opts.sim?.log ?? log };
      sim = await SimCellServer.start(simOpts);
      closers.push(() => sim!.close());
      config = simCellConfig({ url: sim.url, cameras: simOpts.cameras });
    } else if (opts.configFile) {
      config = await loadCellConfig(opts.configFile);
      if (opts.rosbridge) config = { ...config, url: opts.rosbridge };
    } else {
      config = {
        source: 'command line',
        profile: opts.profile ?? 'ur',
        url: opts.rosbridge ?? 'ws://127.0.0.1:9090',
        settings: {},
        safety: {},
      };
    }
    const resolved = resolveCellConfig(config);
    const connection = new RosCellConnection({
      url: config.url,
      adapter: resolved.adapter,
      onProblem: (p) => log(p.severity === 'error' ? 'error' : 'warn', `[cell] ${p.message}${p.tip ? ` — ${p.tip}` : ''}`),
    });
    closers.push(() => connection.close());
    const controller = new CellController({
      ...opts.controller,
      connection,
      arm: resolved.adapter.arm,
      limits: resolved.limits,
      toolOffset: config.toolOffset,
    });
    closers.push(async () => controller.close());
    const recording = new CellRecording({
      ...opts.recording,
      source: new CellRecordingSource({ connection, control: controller }),
      cell: connection.description,
      dataDir: opts.dataDir,
      log: (level, message) => log(level, `[recorder] ${message}`),
    });
    // An episode still open at shutdown is closed as it stands (outcome discard), or left for recovery if the disk fails.
    closers.push(async () => {
      if (recording.status().state === 'recording') await recording.stop({ outcome: 'discard', notes: 'the bridge shut down while recording' }).then(() => undefined);
    });
    const policy = new PolicyService({
      cell: connection,
      control: controller,
      policiesDir: opts.policiesDir,
      recording,
      log: (level, message) => log(level, `[policy] ${message}`),
    });
    // Stops the policy (lease released, zeros from the controller) before the controller closes.
    closers.push(async () => policy.close());
    const server = await startServer({
      cell: connection,
      control: controller,
      recording,
      policy,
      // The Datasets API browses the same folder the recorder writes into.
      datasets: { dir: recording.dataDir },
      // Training reads those datasets and writes bundles where the policy runner loads them.
      training: { datasetsDir: recording.dataDir, policiesDir: policy.policiesDir },
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 8080,
      uiDir: opts.uiDir,
      auditLog: opts.auditLog,
      tokenFile: opts.tokenFile,
      log,
      announce: (line) => log('info', line),
    });
    closers.push(() => server.close());
    return { url: server.url, wsUrl: server.wsUrl, sim, connection, controller, recording, policy, server, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
