import jpeg from 'jpeg-js';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { loadModelFromXml } from '../mujoco/loadMujoco.ts';
import { CameraRig } from './CameraRig.ts';
import { RayCastCamera } from './RayCastCamera.ts';
import { encodeJpeg } from './encodeJpeg.ts';
import { projectPoint, testSceneXml } from './testScene.ts';

const cameras = [
  { name: 'scene', width: 160, height: 120 },
  { name: 'top', width: 320, height: 240 },
];

// A state unlike the model's default: cube moved and turned 30° about z, target moved.
const half = Math.PI / 12;
const qpos = new Float64Array([0.42, 0.2, 0.43, Math.cos(half), 0, 0, Math.sin(half)]);
const mocapPos = new Float64Array([0.6, -0.1, 0.41]);
const mocapQuat = new Float64Array([1, 0, 0, 0]);

const rigs: CameraRig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((rig) => rig.close()));
});

async function startRig(opts: Partial<Parameters<typeof CameraRig.create>[0]> = {}) {
  const rig = await CameraRig.create({ xml: testSceneXml, cameras, ...opts });
  rigs.push(rig);
  return rig;
}

describe('CameraRig', () => {
  it('renders every camera in the worker, identical to the in-thread renderer', async () => {
    const rig = await startRig({ jpegQuality: 75 });
    expect([rig.nq, rig.nmocap]).toEqual([7, 1]);
    const frames = await rig.render({ qpos, mocapPos, mocapQuat });
    expect(frames.map((f) => [f.name, f.width, f.height])).toEqual(cameras.map((c) => [c.name, c.width, c.height]));

    const { mujoco, model } = await loadModelFromXml(testSceneXml);
    const data = new mujoco.MjData(model);
    (data.qpos as Float64Array).set(qpos);
    (data.mocap_pos as Float64Array).set(mocapPos);
    (data.mocap_quat as Float64Array).set(mocapQuat);
    mujoco.mj_forward(model, data);
    for (const frame of frames) {
      expect(frame.renderMs).toBeGreaterThan(0);
      const decoded = jpeg.decode(frame.jpeg, { useTArray: true, formatAsRGBA: false });
      expect([decoded.width, decoded.height]).toEqual([frame.width, frame.height]);
      const local = new RayCastCamera({ mujoco, model, camera: frame.name, width: frame.width, height: frame.height });
      const expected = encodeJpeg(local.render(data), frame.width, frame.height, 75);
      expect(Buffer.compare(frame.jpeg, expected)).toBe(0);

      // And the decoded frame shows the moved cube: red where its centre projects.
      const id = local.cameraId;
      const px = projectPoint(
        (data.cam_xpos as Float64Array).subarray(3 * id, 3 * id + 3),
        (data.cam_xmat as Float64Array).subarray(9 * id, 9 * id + 9),
        (model.cam_fovy as Float64Array)[id],
        frame.width,
        frame.height,
        [qpos[0], qpos[1], qpos[2]],
      )!;
      const o = 3 * (px.row * frame.width + px.col);
      const [r, g, b] = decoded.data.subarray(o, o + 3);
      expect(r > 80 && r > 2 * g && r > 2 * b).toBe(true);
      local.dispose();
    }
  });

  it('keeps rendering after a bad state, and reports what was wrong', async () => {
    const rig = await startRig();
    await expect(rig.render({ qpos: new Float64Array(3) })).rejects.toThrow(/expected qpos of length nq=7.*found 3/);
    await expect(rig.render({ qpos, mocapPos: new Float64Array(2) })).rejects.toThrow(/mocapPos of length 3\*nmocap=3/);
    const frames = await rig.render({ qpos });
    expect(frames).toHaveLength(2);
  });

  it('answers concurrent renders in order, each with its own state', async () => {
    const rig = await startRig({ cameras: [{ name: 'scene', width: 80, height: 60 }], shadows: false });
    // The cube held 17 cm above the table; at x = 0.5 it is right under the light.
    const states = [0.3, 0.5, 0.7].map((x) => ({ qpos: new Float64Array([x, 0.1, 0.6, 1, 0, 0, 0]) }));
    const pending = states.map((s) => rig.render(s));
    expect(rig.pending).toBe(3);
    const results = await Promise.all(pending);
    const again = await rig.render(states[0]);
    expect(Buffer.compare(results[0][0].jpeg, again[0].jpeg)).toBe(0);
    expect(Buffer.compare(results[0][0].jpeg, results[1][0].jpeg)).not.toBe(0);
    expect(Buffer.compare(results[1][0].jpeg, results[2][0].jpeg)).not.toBe(0);
    expect(rig.pending).toBe(0);
    // The rig-wide shadows option reaches the worker's cameras.
    const { mujoco, model } = await loadModelFromXml(testSceneXml);
    const data = new mujoco.MjData(model);
    (data.qpos as Float64Array).set(states[1].qpos);
    mujoco.mj_forward(model, data);
    const local = new RayCastCamera({ mujoco, model, camera: 'scene', width: 80, height: 60, shadows: false });
    expect(Buffer.compare(results[1][0].jpeg, encodeJpeg(local.render(data), 80, 60, 80))).toBe(0);
  });

  it('fails to start with the camera names when a camera does not exist', async () => {
    await expect(CameraRig.create({ xml: testSceneXml, cameras: [{ name: 'wrist', width: 16, height: 12 }] })).rejects.toThrow(
      /could not start.*camera named "wrist".*"scene", "top"/,
    );
    await expect(CameraRig.create({ xml: '<mujoco><worldbody><geom type="nope"/></worldbody></mujoco>', cameras })).rejects.toThrow(
      /could not start/,
    );
  });

  it('rejects pending renders when the worker dies, instead of hanging', async () => {
    const rig = await startRig();
    const pending = expect(rig.render({ qpos })).rejects.toThrow(/camera worker exited/);
    // Kill the worker from outside, as a crash or OOM would.
    void (rig as unknown as { worker: Worker }).worker.terminate();
    await pending;
    await expect(rig.render({ qpos })).rejects.toThrow(/camera worker exited.*create a new CameraRig/);
  });

  it('rejects renders after close', async () => {
    const rig = await startRig();
    const pending = expect(rig.render({ qpos })).rejects.toThrow(/closed/);
    await rig.close();
    await pending;
    await expect(rig.render({ qpos })).rejects.toThrow(/closed/);
  });

  it('starts its worker the way the cellkit CLI runs (tsx register(), any cwd)', async () => {
    // Same loading path as bridge/bin/cellkit.js: plain node, tsx's ESM register(), then TypeScript imports.
    const tsxApi = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json')));
    const script = `
      import { register } from ${JSON.stringify(tsxApi.href)};
      register();
      const { CameraRig } = await import(${JSON.stringify(new URL('./CameraRig.ts', import.meta.url).href)});
      const { testSceneXml } = await import(${JSON.stringify(new URL('./testScene.ts', import.meta.url).href)});
      const rig = await CameraRig.create({ xml: testSceneXml, cameras: [{ name: 'top', width: 32, height: 24 }] });
      const [frame] = await rig.render({ qpos: new Float64Array([0.5, 0.1, 0.43, 1, 0, 0, 0]) });
      await rig.close();
      console.log(JSON.stringify({ name: frame.name, bytes: frame.jpeg.length, soi: [frame.jpeg[0], frame.jpeg[1]] }));`;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpdir() }, (err, out, errOut) =>
        err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
      ),
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(result.name).toBe('top');
    expect(result.soi).toEqual([0xff, 0xd8]);
    expect(result.bytes).toBeGreaterThan(100);
  });
});
