import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCellConfig } from './loadCellConfig.ts';
import { parseCellConfig } from './parseCellConfig.ts';
import { resolveCellConfig } from './resolveCellConfig.ts';

const YAML = `
profile: ur
url: ws://10.0.0.2:9090
arm: ur10e
jointNames: [ur_shoulder_pan_joint, ur_shoulder_lift_joint, ur_elbow_joint, ur_wrist_1_joint, ur_wrist_2_joint, ur_wrist_3_joint]
cameras: [scene, wrist]
topics:
  jointStates: /arm/joint_states
  camera: /cams/{name}/compressed
gripper: null
toolOffset: [0, 0, 0.15]
safety:
  maxTcpSpeed: 0.1
  maxForce: 40
  workspace: { min: [-0.8, -0.8, 0.02], max: [0.8, 0.8, 1.0] }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellkit-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cell config', () => {
  it('reads YAML and JSON files to the same config', async () => {
    await writeFile(join(dir, 'cell.yaml'), YAML);
    const fromYaml = await loadCellConfig(join(dir, 'cell.yaml'));
    const { source: _s, ...rest } = fromYaml;
    await writeFile(join(dir, 'cell.json'), JSON.stringify({ ...rest, ...rest.settings, settings: undefined, gripper: null }));
    const fromJson = await loadCellConfig(join(dir, 'cell.json'));
    expect(fromYaml.source).toBe('cell.yaml');
    expect(fromJson.source).toBe('cell.json');
    expect({ ...fromJson, source: 'x' }).toEqual({ ...fromYaml, source: 'x' });
  });

  it('applies overrides to the profile adapter and the safety limits', () => {
    const cell = resolveCellConfig(parseCellConfig(YAML, { source: 'cell.yaml' }));
    expect(cell.config.url).toBe('ws://10.0.0.2:9090');
    expect(cell.adapter.arm.name).toBe('ur10e');
    expect(cell.adapter.description).toMatchObject({ arm: 'ur10e', hasGripper: false, cameras: ['scene', 'wrist'] });
    expect(cell.adapter.description.jointNames[0]).toBe('ur_shoulder_pan_joint');
    const topics = cell.adapter.subscriptions.map((s) => s.name);
    expect(topics).toContain('/arm/joint_states');
    expect(topics).toContain('/cams/wrist/compressed');
    expect(topics).toContain('/force_torque_sensor_broadcaster/wrench'); // not overridden: the default
    expect(cell.adapter.publications.map((p) => p.name)).toEqual(['/forward_velocity_controller/commands']);
    expect(cell.limits).toMatchObject({ maxTcpSpeed: 0.1, maxForce: 40, deadmanTimeout: 0.1 });
    expect(cell.limits.workspace.min).toEqual([-0.8, -0.8, 0.02]);
    expect(cell.config.toolOffset).toEqual([0, 0, 0.15]);
  });

  it('defaults to the ur profile on the local sim', () => {
    const c = parseCellConfig('');
    expect(c).toMatchObject({ profile: 'ur', url: 'ws://127.0.0.1:9090', safety: {}, settings: {} });
    expect(resolveCellConfig(c).adapter.description.hasGripper).toBe(true);
  });

  it.each([
    ['safety:\n  maxTcpSpeed: fast', "cell.yaml: safety.maxTcpSpeed must be a number in (0, 1.0] m/s, got 'fast'"],
    ['safety:\n  maxTcpSpeed: 2', 'cell.yaml: safety.maxTcpSpeed must be a number in (0, 1.0] m/s, got 2'],
    ['safety:\n  maxForce: -1', 'cell.yaml: safety.maxForce must be a number in (0, 500.0] N, got -1'],
    ['safety:\n  workspace: { min: [0, 0], max: [1, 1, 1] }', 'cell.yaml: safety.workspace.min must be [x, y, z] in metres, base frame, got [0,0]'],
    ['safety:\n  workspace: { min: [0, 0, 1], max: [1, 1, 0.5] }', 'cell.yaml: safety.workspace must be min < max on every axis'],
    ['safety:\n  speed: 1', 'cell.yaml: safety.speed must be one of'],
    ['colour: red', 'cell.yaml: unknown field "colour"'],
    ['url: 10.0.0.2', "cell.yaml: url must be a rosbridge websocket URL like ws://robot-pc:9090, got '10.0.0.2'"],
    ['topics:\n  jointStates: joint_states', "cell.yaml: topics.jointStates must be an absolute ROS name like /joint_states, got 'joint_states'"],
    ['toolOffset: [0, 0]', 'cell.yaml: toolOffset must be [x, y, z] in metres'],
    ['profile: [ur', 'cell.yaml: not valid YAML'],
  ])('rejects %j clearly', (text, message) => {
    expect(() => parseCellConfig(text, { source: 'cell.yaml' })).toThrow(message);
  });

  it.each([
    ['profile: kuka', 'cell.yaml: unknown robot profile "kuka": expected one of ur, ur-ros1, servo'],
    ['arm: ur7', 'cell.yaml: unknown arm model "ur7": expected one of ur3e, ur5e, ur10e'],
    ['jointNames: [a, b]', 'cell.yaml: profile ur: jointNames expected 6 non-empty names for ur5e'],
    ['topics:\n  cmd: /x', 'cell.yaml: profile ur: unknown topic role "cmd"; expected one of jointStates, wrench'],
    ['safety:\n  maxJointVelocity: [9, 9, 9, 9, 9, 9]', 'cell.yaml: safety limits: maxJointVelocity[0] expected at most the ur5e rating'],
    ['safety:\n  allowedSafetyModes: [1, 3]', 'cell.yaml: safety limits: allowedSafetyModes expected only NORMAL (1)'],
  ])('rejects %j when resolving against the profile and arm', (text, message) => {
    expect(() => resolveCellConfig(parseCellConfig(text, { source: 'cell.yaml' }))).toThrow(message);
  });

  it('says which file could not be read', async () => {
    await expect(loadCellConfig(join(dir, 'missing.yaml'))).rejects.toThrow(/could not read cell config .*missing\.yaml/);
  });
});

describe('cell.example.yaml', () => {
  it('parses and resolves (the documented example stays valid)', async () => {
    const cell = resolveCellConfig(await loadCellConfig(new URL('./cell.example.yaml', import.meta.url).pathname));
    expect(cell.profile.name).toBe('ur');
    expect(cell.adapter.description).toMatchObject({ cameras: ['scene', 'wrist'], hasGripper: true });
    expect(cell.limits.maxForce).toBe(60);
  });
});
