/**
 * The bridge's policy runner behind the server's `PolicyPort`: bundles are
 * named folders under one policies folder (a name, never a path), loaded and
 * checked against the connected cell on `policy.start`, and run by one
 * `PolicyRunner` — one policy at a time, like one lease.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import type { CellDescription, CellEvents } from '../cell/Cell.ts';
import { POLICY_NAME_PATTERN, POLICY_NAME_TEXT } from '../protocol/ClientMessage.ts';
import type { RecordingPort } from '../recording/RecordingPort.ts';
import type { PolicyPort, PolicyPortStatus, PolicyStartRequest } from '../server/PolicyPort.ts';
import { loadPolicy, type LoadedPolicy } from './loadPolicy.ts';
import { PolicyError, problem } from './PolicyError.ts';
import { PolicyRunner, type PolicyControl } from './PolicyRunner.ts';
import { recordInterventions } from './recordInterventions.ts';

export interface PolicyServiceOptions {
  cell: { description: CellDescription; on<K extends keyof CellEvents>(event: K, listener: CellEvents[K]): () => void };
  control: PolicyControl;
  /** Folder holding one bundle folder per policy. Default `./policies`. */
  policiesDir?: string;
  /** Where supervised takeovers are recorded (dataset `interventions`); absent: only reported in the status. */
  recording?: RecordingPort;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export class PolicyService implements PolicyPort {
  readonly runner: PolicyRunner;
  readonly policiesDir: string;
  private readonly opts: PolicyServiceOptions;
  private starting = false;

  constructor(opts: PolicyServiceOptions) {
    this.opts = opts;
    this.policiesDir = resolve(opts.policiesDir ?? 'policies');
    this.runner = new PolicyRunner({
      cell: opts.cell,
      control: opts.control,
      ...(opts.recording ? { interventions: recordInterventions({ recording: opts.recording }) } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    });
  }

  get active(): boolean {
    return this.runner.running;
  }

  on(event: 'change', listener: (status: PolicyPortStatus) => void): () => void {
    return this.runner.on(event, listener);
  }

  status(): PolicyPortStatus {
    return this.runner.status();
  }

  async start(req: PolicyStartRequest): Promise<void> {
    if (this.starting || this.runner.running) {
      throw new PolicyError(problem('running', `expected no policy running, found '${this.runner.status().policy}' ${this.starting ? 'starting' : this.runner.status().state}`, 'stop it first (policy.stop)'));
    }
    this.starting = true;
    try {
      const policy = await this.load(req.policy);
      if (policy !== this.runner.loaded) this.runner.use(policy);
      this.runner.start({ mode: req.mode, speedScale: req.speedScale, by: req.clientId });
    } finally {
      this.starting = false;
    }
  }

  stop(by: string): void {
    this.runner.stop(problem('stopped', `stopped by ${by}`, 'start it again when ready', 'info'));
  }

  resume(clientId: string): void {
    this.runner.resume(clientId);
  }

  takeover(clientId: string, by: string): boolean {
    return this.runner.takeover(clientId, by);
  }

  close(): void {
    this.runner.dispose();
  }

  /** The named bundle, loaded and checked against the cell (the loaded one is reused when the name matches). */
  private async load(name: string): Promise<LoadedPolicy> {
    if (!POLICY_NAME_PATTERN.test(name)) {
      throw new PolicyError(problem('bad_policy_name', `expected a policy name of ${POLICY_NAME_TEXT}, found ${JSON.stringify(name)}`, `name a bundle folder under ${this.policiesDir}`));
    }
    const dir = join(this.policiesDir, name);
    const manifest = await readFile(join(dir, 'policy.json'), 'utf8').then((t) => t, () => undefined);
    // Reuse the loaded model only when it is the same bundle: a retrained one copied over the folder must be reloaded.
    const loaded = this.runner.loaded;
    if (loaded && loaded.name === name && manifest !== undefined && sameBundle(manifest, loaded.manifest.createdAt)) return loaded;
    if (manifest === undefined) {
      throw new PolicyError(problem('unknown_policy', `expected a policy bundle at ${dir} (with policy.json), found none`, `copy the trained bundle folder into ${this.policiesDir}, or check the name`));
    }
    const toolOffset = this.opts.control.status().toolOffset;
    return loadPolicy({ source: dir, name, cell: { ...this.opts.cell.description, ...(toolOffset ? { toolOffset } : {}) } });
  }
}

function sameBundle(manifestText: string, createdAt: string): boolean {
  try {
    return (JSON.parse(manifestText) as { createdAt?: unknown }).createdAt === createdAt;
  } catch {
    return false;
  }
}
