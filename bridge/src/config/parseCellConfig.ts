import { parse as parseYaml } from 'yaml';
import type { GripperSettings, ProfileSettings } from '../profiles/index.ts';
import { checkSafetyOverrides } from './checkSafetyOverrides.ts';
import { type CellConfig, DEFAULT_CELL_URL, DEFAULT_PROFILE } from './CellConfig.ts';

export interface ParseCellConfigOptions {
  /** Name shown in errors, e.g. the file name. Default 'cell config'. */
  source?: string;
  /** Default: 'json' if `source` ends in .json, else 'yaml' (which also reads JSON). */
  format?: 'yaml' | 'json';
}

const TOP_LEVEL = ['profile', 'url', 'arm', 'jointNames', 'cameras', 'topics', 'gripper', 'toolOffset', 'safety'];

/**
 * Parse and check a cell config's text. Pure (no file access): see
 * `loadCellConfig` for files. Throws one error naming the file, the field,
 * what was expected and what was found, e.g.
 * `cell.yaml: safety.maxTcpSpeed must be a number in (0, 1.0] m/s, got 'fast'`.
 * Profile-specific checks (topic roles, joint counts) happen when the
 * profile's adapter is created (`resolveCellConfig`).
 */
export function parseCellConfig(text: string, opts: ParseCellConfigOptions = {}): CellConfig {
  const source = opts.source ?? 'cell config';
  const format = opts.format ?? (source.toLowerCase().endsWith('.json') ? 'json' : 'yaml');
  const fail = (field: string, expected: string, found: unknown): never => {
    throw new Error(`${source}: ${field} must be ${expected}, got ${show(found)}`);
  };
  let raw: unknown;
  try {
    raw = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new Error(`${source}: not valid ${format.toUpperCase()}: ${(e as Error).message}`);
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) fail('the document', 'a mapping (key: value lines)', raw);
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!TOP_LEVEL.includes(key)) throw new Error(`${source}: unknown field "${key}"; expected one of ${TOP_LEVEL.join(', ')}`);
  }

  const str = (field: string, v: unknown, what = 'a non-empty string'): string => (typeof v === 'string' && v !== '' ? v : fail(field, what, v));
  const strList = (field: string, v: unknown): string[] =>
    Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '') ? [...v] : fail(field, 'a list of names', v);

  const settings: ProfileSettings = {};
  if (r.arm !== undefined) settings.arm = str('arm', r.arm, 'an arm model name (ur3e, ur5e, ur10e)');
  if (r.jointNames !== undefined) settings.jointNames = strList('jointNames', r.jointNames);
  if (r.cameras !== undefined) settings.cameras = strList('cameras', r.cameras);
  if (r.topics !== undefined) {
    if (typeof r.topics !== 'object' || r.topics === null || Array.isArray(r.topics)) fail('topics', 'a mapping of role to topic name', r.topics);
    settings.topics = {};
    for (const [role, name] of Object.entries(r.topics as Record<string, unknown>)) {
      settings.topics[role] = typeof name === 'string' && name.startsWith('/') ? name : fail(`topics.${role}`, 'an absolute ROS name like /joint_states', name);
    }
  }
  if (r.gripper !== undefined) settings.gripper = gripper(r.gripper, fail);

  const config: CellConfig = {
    source,
    profile: r.profile === undefined ? DEFAULT_PROFILE : str('profile', r.profile, 'a robot profile name'),
    url: r.url === undefined ? DEFAULT_CELL_URL : str('url', r.url),
    settings,
    safety: checkSafetyOverrides(r.safety, fail),
  };
  if (!/^wss?:\/\//.test(config.url)) fail('url', 'a rosbridge websocket URL like ws://robot-pc:9090', config.url);
  if (r.toolOffset !== undefined) {
    const t = r.toolOffset;
    if (!Array.isArray(t) || t.length !== 3 || !t.every((x) => typeof x === 'number' && Number.isFinite(x) && Math.abs(x) < 1)) {
      fail('toolOffset', '[x, y, z] in metres in the flange frame (each under 1 m)', t);
    }
    config.toolOffset = [...(t as number[])] as [number, number, number];
  }
  return config;
}

function gripper(v: unknown, fail: (f: string, e: string, x: unknown) => never): Partial<GripperSettings> | null {
  if (v === null || v === false) return null;
  if (typeof v !== 'object' || Array.isArray(v)) fail('gripper', 'a mapping { joint, closedPosition, commandTopic } or null', v);
  const g = v as Record<string, unknown>;
  const out: Partial<GripperSettings> = {};
  for (const [k, x] of Object.entries(g)) {
    if (k === 'joint') out.joint = typeof x === 'string' && x !== '' ? x : fail('gripper.joint', 'a joint name', x);
    else if (k === 'closedPosition') {
      out.closedPosition = typeof x === 'number' && Number.isFinite(x) && x !== 0 ? x : fail('gripper.closedPosition', 'a non-zero joint position (the joint value when closed)', x);
    } else if (k === 'commandTopic') {
      out.commandTopic = typeof x === 'string' && x.startsWith('/') ? x : fail('gripper.commandTopic', 'an absolute ROS name', x);
    } else fail(`gripper.${k}`, 'one of joint, closedPosition, commandTopic', 'an unknown field');
  }
  return out;
}

/** A value as a person would read it in a config file. */
function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'nothing';
  return JSON.stringify(v) ?? String(v);
}
