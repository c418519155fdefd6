import { describe, expect, it } from 'vitest';
import type { MjData, MjModel } from 'mujoco-js';
import { loadModelFromXml, type Mujoco } from '../mujoco/loadMujoco.ts';
import { RayCastCamera, cameraNames } from './RayCastCamera.ts';
import { projectPoint, testSceneXml } from './testScene.ts';

async function scene() {
  const { mujoco, model } = await loadModelFromXml(testSceneXml);
  const data = new mujoco.MjData(model);
  mujoco.mj_forward(model, data);
  return { mujoco, model, data };
}

function camId(mujoco: Mujoco, model: MjModel, name: string): number {
  return mujoco.mj_name2id(model, (mujoco.mjtObj.mjOBJ_CAMERA as unknown as { value: number }).value, name);
}

/** Pixel colour where world point `p` projects in camera `cam`'s image. */
function colourAt(
  ctx: { mujoco: Mujoco; model: MjModel; data: MjData },
  cam: RayCastCamera,
  rgb: Uint8Array,
  p: number[],
): { col: number; row: number; r: number; g: number; b: number } {
  const id = camId(ctx.mujoco, ctx.model, cam.camera);
  const px = projectPoint(
    (ctx.data.cam_xpos as Float64Array).subarray(3 * id, 3 * id + 3),
    (ctx.data.cam_xmat as Float64Array).subarray(9 * id, 9 * id + 9),
    (ctx.model.cam_fovy as Float64Array)[id],
    cam.width,
    cam.height,
    p,
  );
  if (!px) throw new Error(`point ${p} does not project into camera ${cam.camera}`);
  const o = 3 * (px.row * cam.width + px.col);
  return { ...px, r: rgb[o], g: rgb[o + 1], b: rgb[o + 2] };
}

const isRed = (c: { r: number; g: number; b: number }) => c.r > 80 && c.r > 2 * c.g && c.r > 2 * c.b;
const isGreen = (c: { r: number; g: number; b: number }) => c.g > 80 && c.g > 2 * c.r && c.g > 2 * c.b;
const isBlue = (c: { r: number; g: number; b: number }) => c.b > 80 && c.b > 2 * c.r && c.b > 2 * c.g;

/** Count of pixels that differ (any channel) inside a square of radius `rad` around (col, row). */
function changedAround(a: Uint8Array, b: Uint8Array, width: number, height: number, col: number, row: number, rad: number) {
  let n = 0;
  for (let y = Math.max(0, row - rad); y <= Math.min(height - 1, row + rad); y++) {
    for (let x = Math.max(0, col - rad); x <= Math.min(width - 1, col + rad); x++) {
      const o = 3 * (y * width + x);
      if (a[o] !== b[o] || a[o + 1] !== b[o + 1] || a[o + 2] !== b[o + 2]) n++;
    }
  }
  return n;
}

describe('RayCastCamera', () => {
  it('names the available cameras when the requested one does not exist', async () => {
    const { mujoco, model } = await scene();
    expect(cameraNames(mujoco, model)).toEqual(['scene', 'top']);
    expect(() => new RayCastCamera({ mujoco, model, camera: 'wrist' })).toThrow(
      /camera named "wrist".*found only "scene", "top"/,
    );
    expect(() => new RayCastCamera({ mujoco, model, camera: 'scene', width: 0 })).toThrow(/positive integer/);
  });

  it('refuses cameras defined by sensor intrinsics rather than fovy', async () => {
    const { mujoco, model } = await loadModelFromXml(
      `<mujoco><worldbody><camera name="pinhole" sensorsize="0.004 0.003" focal="0.004 0.004" resolution="160 120"/></worldbody></mujoco>`,
    );
    expect(() => new RayCastCamera({ mujoco, model, camera: 'pinhole' })).toThrow(/sensorsize\/focal.*give it a fovy/);
  });

  it('renders packed RGB of the configured size', async () => {
    const { mujoco, model, data } = await scene();
    for (const [width, height] of [[160, 120], [320, 240], [64, 48]]) {
      const cam = new RayCastCamera({ mujoco, model, camera: 'scene', width, height });
      const rgb = cam.render(data);
      expect(rgb.length).toBe(width * height * 3);
      // Not a flat image: table, sky and objects give many distinct colours.
      const colours = new Set<number>();
      for (let o = 0; o < rgb.length; o += 3) colours.add((rgb[o] << 16) | (rgb[o + 1] << 8) | rgb[o + 2]);
      expect(colours.size).toBeGreaterThan(10);
      cam.dispose();
    }
  });

  it('shows the red cube, green target and yellow goal where they project', async () => {
    const ctx = await scene();
    for (const camera of ['scene', 'top']) {
      const cam = new RayCastCamera({ mujoco: ctx.mujoco, model: ctx.model, camera });
      const rgb = cam.render(ctx.data);
      expect(isRed(colourAt(ctx, cam, rgb, [0.5, 0.1, 0.43]))).toBe(true);
      expect(isGreen(colourAt(ctx, cam, rgb, [0.55, -0.05, 0.41]))).toBe(true);
      const goal = colourAt(ctx, cam, rgb, [0.45, -0.2, 0.402]);
      expect(goal.r > 120 && goal.g > 100 && goal.b < goal.g / 2).toBe(true); // yellow
      // The table top, away from the objects, is neither of those.
      const table = colourAt(ctx, cam, rgb, [0.7, 0.3, 0.4]);
      expect(isRed(table) || isGreen(table)).toBe(false);
      cam.dispose();
    }
  });

  it('shades the faces of the cube differently, so its edges read', async () => {
    const ctx = await scene();
    const cam = new RayCastCamera({ mujoco: ctx.mujoco, model: ctx.model, camera: 'scene', width: 320, height: 240 });
    const rgb = cam.render(ctx.data);
    // The scene camera sits at +x, above: it sees the cube's top (+z) and front (+x) faces.
    const top = colourAt(ctx, cam, rgb, [0.5, 0.1, 0.46]);
    const front = colourAt(ctx, cam, rgb, [0.53, 0.1, 0.43]);
    expect(isRed(top) && isRed(front)).toBe(true);
    expect(Math.abs(top.r - front.r)).toBeGreaterThan(15);
  });

  it('changes where the cube moves and nowhere far from it', async () => {
    const ctx = await scene();
    const { mujoco, model, data } = ctx;
    const cam = new RayCastCamera({ mujoco, model, camera: 'scene' });
    const before = cam.render(data);
    const oldAt = colourAt(ctx, cam, before, [0.5, 0.1, 0.43]);
    const qpos = data.qpos as Float64Array;
    qpos[0] = 0.4;
    qpos[1] = 0.25; // slide the cube towards +y and away from the camera
    mujoco.mj_forward(model, data);
    const after = cam.render(data);
    const newAt = colourAt(ctx, cam, after, [0.4, 0.25, 0.43]);
    expect(isRed(newAt)).toBe(true);
    expect(isRed(colourAt(ctx, cam, after, [0.5, 0.1, 0.43]))).toBe(false);
    expect(changedAround(before, after, cam.width, cam.height, oldAt.col, oldAt.row, 4)).toBeGreaterThan(20);
    expect(changedAround(before, after, cam.width, cam.height, newAt.col, newAt.row, 4)).toBeGreaterThan(20);
    // The top rows (sky and far table) do not depend on the cube.
    expect(Buffer.compare(before.subarray(0, 3 * cam.width * 20), after.subarray(0, 3 * cam.width * 20))).toBe(0);
  });

  it('moves the mocap target marker with mocap_pos', async () => {
    const ctx = await scene();
    const cam = new RayCastCamera({ mujoco: ctx.mujoco, model: ctx.model, camera: 'top' });
    (ctx.data.mocap_pos as Float64Array).set([0.35, 0.25, 0.41]);
    ctx.mujoco.mj_forward(ctx.model, ctx.data);
    const rgb = cam.render(ctx.data);
    expect(isGreen(colourAt(ctx, cam, rgb, [0.35, 0.25, 0.41]))).toBe(true);
    expect(isGreen(colourAt(ctx, cam, rgb, [0.55, -0.05, 0.41]))).toBe(false);
  });

  it('hides geoms outside the drawn groups and invisible geoms', async () => {
    const ctx = await scene();
    const collisionBox = [0.95, 0, 0.75]; // group 3, blue, right in front of the scene camera
    const invisibleBox = [0.9, 0.1, 0.7]; // alpha 0, blue
    const drawn = new RayCastCamera({ mujoco: ctx.mujoco, model: ctx.model, camera: 'scene' });
    const rgb = drawn.render(ctx.data);
    expect(isBlue(colourAt(ctx, drawn, rgb, collisionBox))).toBe(false);
    expect(isBlue(colourAt(ctx, drawn, rgb, invisibleBox))).toBe(false);
    // With group 3 included the collision box covers the middle of the view.
    const all = new RayCastCamera({ mujoco: ctx.mujoco, model: ctx.model, camera: 'scene', geomGroups: [0, 1, 2, 3] });
    expect(isBlue(colourAt(ctx, all, all.render(ctx.data), collisionBox))).toBe(true);
    // Rendering must leave the model as it found it (groups are hidden by toggling alpha during the cast).
    const rgba = ctx.model.geom_rgba as Float32Array;
    const groups = ctx.model.geom_group as Int32Array;
    for (let g = 0; g < ctx.model.ngeom; g++) if (groups[g] === 3) expect(rgba[4 * g + 3]).toBe(1);
  });

  it('casts the shadow of a lifted cube onto the table below it', async () => {
    const ctx = await scene();
    const qpos = ctx.data.qpos as Float64Array;
    qpos[2] = 0.6; // lift the cube 17 cm, straight below the model's light at (0.5, 0.1, 2)
    ctx.mujoco.mj_forward(ctx.model, ctx.data);
    const opts = { mujoco: ctx.mujoco, model: ctx.model, camera: 'scene', width: 320, height: 240 };
    const withShadows = new RayCastCamera(opts);
    const without = new RayCastCamera({ ...opts, shadows: false });
    const a = withShadows.render(ctx.data);
    const b = without.render(ctx.data);
    const below = [0.5, 0.1, 0.4];
    const brightness = (c: { r: number; g: number; b: number }) => c.r + c.g + c.b;
    const shadowed = colourAt(ctx, withShadows, a, below);
    const unshadowed = colourAt(ctx, without, b, below);
    expect(isRed(shadowed)).toBe(false); // the table shows there, not the cube
    expect(brightness(shadowed)).toBeLessThan(0.8 * brightness(unshadowed));
    // Away from the shadow the table is lit the same either way.
    const elsewhere = [0.7, -0.3, 0.4];
    expect(colourAt(ctx, withShadows, a, elsewhere)).toEqual(colourAt(ctx, without, b, elsewhere));
    // And the shadow follows the cube: back on the table, that spot is lit again.
    qpos[2] = 0.43;
    qpos[1] = -0.25;
    ctx.mujoco.mj_forward(ctx.model, ctx.data);
    expect(brightness(colourAt(ctx, withShadows, withShadows.render(ctx.data), below))).toBeGreaterThan(0.95 * brightness(unshadowed));
  });

  it('shades mesh geoms from neighbouring hits, faces distinct', async () => {
    // A 10 cm box given as a mesh (inline vertices, convex hull), seen from a corner above.
    const { mujoco, model } = await loadModelFromXml(`
      <mujoco><asset><mesh name="box" vertex="-.05 -.05 -.05  .05 -.05 -.05  -.05 .05 -.05  .05 .05 -.05
                                             -.05 -.05 .05  .05 -.05 .05  -.05 .05 .05  .05 .05 .05"/></asset>
        <worldbody><light pos="0.3 -0.2 1"/>
          <geom type="mesh" mesh="box" rgba="0.2 0.3 0.9 1"/>
          <camera name="c" pos="0.3 0.3 0.3" xyaxes="-1 1 0 -1 -1 2" fovy="40"/>
        </worldbody></mujoco>`);
    const data = new mujoco.MjData(model);
    mujoco.mj_forward(model, data);
    const ctx = { mujoco, model, data };
    const cam = new RayCastCamera({ mujoco, model, camera: 'c', width: 160, height: 120 });
    const rgb = cam.render(data);
    const top = colourAt(ctx, cam, rgb, [0, 0, 0.05]);
    const sideX = colourAt(ctx, cam, rgb, [0.05, 0, 0]);
    const sideY = colourAt(ctx, cam, rgb, [0, 0.05, 0]);
    for (const c of [top, sideX, sideY]) expect(isBlue(c)).toBe(true);
    // Three visible faces, three clearly different brightnesses: the edges read.
    const levels = [top.b, sideX.b, sideY.b].sort((x, y) => x - y);
    expect(levels[1] - levels[0]).toBeGreaterThan(8);
    expect(levels[2] - levels[1]).toBeGreaterThan(8);
  });
});
