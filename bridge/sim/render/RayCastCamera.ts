import type { MjData, MjModel } from 'mujoco-js';
import type { Mujoco } from '../mujoco/loadMujoco.ts';
import { geomNormal } from './geomNormal.ts';
import { isSilhouette, screenSpaceNormal } from './screenSpace.ts';

export interface RayCastCameraOptions {
  mujoco: Mujoco;
  model: MjModel;
  /** Name of an MJCF `<camera>`. */
  camera: string;
  /** Image width in pixels. Default 160. */
  width?: number;
  /** Image height in pixels. Default 120. */
  height?: number;
  /**
   * Geom groups drawn, 0..5. Default [0, 1, 2]: MuJoCo's viewer shows these by
   * default, and models (Menagerie included) put collision-only geoms in group 3.
   */
  geomGroups?: number[];
  /** Rays stop at this distance in metres; beyond is background. Default 20. */
  maxDistance?: number;
  /**
   * Cast shadows from the model's first light, treated as a point light at
   * its position. Costs a second ray cast (~+60% render time). Default true;
   * no effect when the model has no light.
   */
  shadows?: boolean;
}

// Lighting, in linear 0..1 units. A headlight makes faces turned away from the
// camera darker, and a key light from above (the model's first light, or a
// fixed direction when it has none) separates top faces from sides, so box
// edges read even on a flat-coloured cube. The key light's shadows show how
// high an object is above the table, which a single camera cannot otherwise tell.
const AMBIENT = 0.25;
const HEADLIGHT = 0.45;
const KEYLIGHT = 0.4;
const KEY_DIR = normalize([0.3, -0.2, 1]);
// Pixels on the near side of a silhouette are darkened: at 160x120 a 5 cm cube
// is a handful of pixels, and the outline is what separates it from the table.
const OUTLINE = 0.65;
// Exponential fog towards the horizon colour, starting a little past the
// workspace so the cell itself stays crisp.
const FOG_START = 1.5;
const FOG_DENSITY = 0.12;
const SKY_HORIZON = [0.78, 0.82, 0.86];
const SKY_ZENITH = [0.45, 0.6, 0.82];
const GROUND = [0.32, 0.32, 0.34];


/**
 * A camera image rendered from a MuJoCo model by casting one ray per pixel
 * (`mj_multiRay`), so it needs no GPU and runs in Node or a worker.
 *
 * Ray directions are fixed in the camera frame (MuJoCo convention: looking
 * along -Z, +Y up, `cam_fovy` the vertical field of view in degrees) and are
 * rotated into the world with `cam_xmat` each frame. Colour comes from the
 * geom's material rgba if it has one, else its rgba; textures are not sampled.
 */
export class RayCastCamera {
  readonly camera: string;
  readonly cameraId: number;
  readonly width: number;
  readonly height: number;
  private readonly mujoco: Mujoco;
  private readonly model: MjModel;
  private readonly maxDistance: number;
  private readonly local: Float64Array; // unit ray directions in the camera frame, 3 per pixel
  private readonly world: Float64Array; // the same rotated into the world, refilled per frame
  private readonly hits: Float64Array; // hit points in world, 3 per pixel
  private readonly geomId: Int32Array; // first geom hit per pixel, -1 for none (copied out of WASM)
  private readonly dist: Float64Array; // distance to it, m
  private readonly toLight: Float64Array; // unit direction from each hit towards the key light, 3 per pixel
  private readonly fromLight: Float64Array; // shadow ray directions, 3 per pixel
  private readonly lightDist: Float64Array; // distance from the key light to each hit, m
  private readonly lit: Uint8Array; // 1 when nothing blocks the key light
  private readonly hasLight: boolean;
  private readonly shadows: boolean;
  private readonly geomgroup: Uint8Array;
  private readonly hiddenGeoms: Int32Array; // geoms outside geomGroups
  private readonly geomIdBuf: InstanceType<Mujoco['IntBuffer']>;
  private readonly distBuf: InstanceType<Mujoco['DoubleBuffer']>;
  private disposed = false;

  constructor(options: RayCastCameraOptions) {
    const { mujoco, model, camera, width = 160, height = 120, geomGroups = [0, 1, 2], maxDistance = 20, shadows = true } = options;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new Error(`RayCastCamera: expected positive integer width and height, found ${width}x${height}.`);
    }
    const id = mujoco.mj_name2id(model, cameraObjType(mujoco), camera);
    if (id < 0) {
      const names = cameraNames(mujoco, model);
      throw new Error(
        `RayCastCamera: expected a camera named "${camera}" in the model, found ` +
          (names.length ? `only ${names.map((n) => `"${n}"`).join(', ')}` : 'no cameras at all') +
          '; pick one of those or add a <camera name="..."> to the MJCF.',
      );
    }
    const sensor = model.cam_sensorsize as Float32Array;
    if (sensor[2 * id] > 0 || sensor[2 * id + 1] > 0) {
      throw new Error(
        `RayCastCamera: camera "${camera}" uses sensorsize/focal intrinsics, which this renderer does not model ` +
          '(expected a camera defined by fovy); give it a fovy instead.',
      );
    }
    for (const g of geomGroups) {
      if (!Number.isInteger(g) || g < 0 || g > 5) {
        throw new Error(`RayCastCamera: expected geom groups in 0..5, found ${g}.`);
      }
    }
    this.mujoco = mujoco;
    this.model = model;
    this.camera = camera;
    this.cameraId = id;
    this.width = width;
    this.height = height;
    this.maxDistance = maxDistance;
    this.geomgroup = new Uint8Array(6);
    for (const g of geomGroups) this.geomgroup[g] = 1;
    const groups = model.geom_group as Int32Array;
    const hidden: number[] = [];
    for (let g = 0; g < model.ngeom; g++) if (!this.geomgroup[groups[g]]) hidden.push(g);
    this.hiddenGeoms = Int32Array.from(hidden);

    const n = width * height;
    this.local = new Float64Array(3 * n);
    this.world = new Float64Array(3 * n);
    this.hits = new Float64Array(3 * n);
    this.geomId = new Int32Array(n);
    this.dist = new Float64Array(n);
    this.toLight = new Float64Array(3 * n);
    this.fromLight = new Float64Array(3 * n);
    this.lightDist = new Float64Array(n);
    this.lit = new Uint8Array(n);
    this.hasLight = model.nlight > 0;
    this.shadows = shadows && this.hasLight;
    // Pixel centres on an image plane at distance 1: focal length in pixels is
    // (height / 2) / tan(fovy / 2), the same pinhole MuJoCo's renderer uses.
    const tanHalf = Math.tan(((model.cam_fovy[id] as number) * Math.PI) / 360);
    const f = height / 2 / tanHalf;
    for (let row = 0, p = 0; row < height; row++) {
      for (let col = 0; col < width; col++, p += 3) {
        const x = (col + 0.5 - width / 2) / f;
        const y = (height / 2 - row - 0.5) / f;
        const inv = 1 / Math.sqrt(x * x + y * y + 1);
        this.local[p] = x * inv;
        this.local[p + 1] = y * inv;
        this.local[p + 2] = -inv;
      }
    }
    this.geomIdBuf = new mujoco.IntBuffer(n);
    this.distBuf = new mujoco.DoubleBuffer(n);
  }

  /**
   * Render the current state of `data` as packed RGB (width*height*3 bytes,
   * top row first). The caller must have run forward kinematics on `data`
   * (`mj_forward`, or `mj_kinematics` + `mj_comPos` + `mj_camlight`) so camera
   * and geom poses are current. Returns a new array each call.
   */
  render(data: MjData): Uint8Array {
    if (this.disposed) throw new Error(`RayCastCamera "${this.camera}": render() after dispose(); create a new camera.`);
    const { model, width, height, local, world, hits } = this;
    const n = width * height;
    const c = this.cameraId;
    const camPos = (data.cam_xpos as Float64Array).subarray(3 * c, 3 * c + 3);
    const R = (data.cam_xmat as Float64Array).slice(9 * c, 9 * c + 9);
    for (let p = 0; p < 3 * n; p += 3) {
      const x = local[p], y = local[p + 1], z = local[p + 2];
      world[p] = R[0] * x + R[1] * y + R[2] * z;
      world[p + 1] = R[3] * x + R[4] * y + R[5] * z;
      world[p + 2] = R[6] * x + R[7] * y + R[8] * z;
    }
    const px = camPos[0], py = camPos[1], pz = camPos[2];
    this.castRays(data, [px, py, pz], world);
    const { geomId, dist, toLight, lit } = this;
    geomId.set(this.geomIdBuf.GetView() as Int32Array);
    dist.set(this.distBuf.GetView() as Float64Array);
    for (let i = 0, p = 0; i < n; i++, p += 3) {
      if (geomId[i] < 0 || !(dist[i] >= 0)) {
        geomId[i] = -1;
        continue;
      }
      hits[p] = px + dist[i] * world[p];
      hits[p + 1] = py + dist[i] * world[p + 1];
      hits[p + 2] = pz + dist[i] * world[p + 2];
    }
    this.aimKeyLight(data);
    if (this.shadows) this.castShadows(data);
    else lit.fill(1);
    const colours = geomColours(model);
    const types = model.geom_type as Int32Array;
    const sizes = model.geom_size as Float64Array;
    const gpos = data.geom_xpos as Float64Array;
    const gmat = data.geom_xmat as Float64Array;

    const out = new Uint8Array(3 * n);
    const normal = new Float64Array(3);
    for (let row = 0, i = 0; row < height; row++) {
      for (let col = 0; col < width; col++, i++) {
        const p = 3 * i;
        const dx = world[p], dy = world[p + 1], dz = world[p + 2];
        const g = geomId[i];
        let r: number, gr: number, b: number;
        if (g < 0) {
          // Background: a sky gradient above the horizon, flat ground below.
          for (let k = 0; k < 3; k++) {
            out[p + k] = 255 * (dz < 0 ? GROUND[k] : SKY_HORIZON[k] + (SKY_ZENITH[k] - SKY_HORIZON[k]) * dz);
          }
          continue;
        }
        if (!geomNormal(types[g], sizes, gpos, gmat, g, hits, p, normal)) {
          screenSpaceNormal(hits, geomId, i, col, row, width, height, normal);
          if (normal[0] === 0 && normal[1] === 0 && normal[2] === 0) { normal[0] = -dx; normal[1] = -dy; normal[2] = -dz; }
        }
        // Face the viewer: planes are two-sided and screen-space normals have no sign.
        let ndv = -(normal[0] * dx + normal[1] * dy + normal[2] * dz);
        if (ndv < 0) { normal[0] = -normal[0]; normal[1] = -normal[1]; normal[2] = -normal[2]; ndv = -ndv; }
        const key = lit[i] ? Math.max(0, normal[0] * toLight[p] + normal[1] * toLight[p + 1] + normal[2] * toLight[p + 2]) : 0;
        let shade = AMBIENT + HEADLIGHT * ndv + KEYLIGHT * key;
        if (isSilhouette(geomId, dist, i, col, row, width, height)) shade *= OUTLINE;
        r = colours[3 * g] * shade;
        gr = colours[3 * g + 1] * shade;
        b = colours[3 * g + 2] * shade;
        const fog = dist[i] > FOG_START ? 1 - Math.exp(-(dist[i] - FOG_START) * FOG_DENSITY) : 0;
        r += (SKY_HORIZON[0] - r) * fog;
        gr += (SKY_HORIZON[1] - gr) * fog;
        b += (SKY_HORIZON[2] - b) * fog;
        out[p] = Math.min(1, r) * 255;
        out[p + 1] = Math.min(1, gr) * 255;
        out[p + 2] = Math.min(1, b) * 255;
      }
    }
    return out;
  }

  /**
   * One `mj_multiRay` for all pixels. mujoco-js 0.0.7 (MuJoCo 3.3.8) ignores
   * the geomgroup argument of mj_multiRay (measured: geoms in excluded groups
   * are still hit; mj_ray honours it), while invisible geoms (alpha 0, no
   * material) are skipped. So geoms outside `geomGroups` are made invisible
   * for the duration of the call and restored after. The model is shared with
   * whoever owns it, but this is synchronous, so no other code sees the change.
   */
  private castRays(data: MjData, from: number[], dirs: Float64Array): void {
    const { model, hiddenGeoms } = this;
    const rgba = model.geom_rgba as Float32Array;
    const matId = model.geom_matid as Int32Array;
    const saved = new Float32Array(2 * hiddenGeoms.length);
    for (let k = 0; k < hiddenGeoms.length; k++) {
      const g = hiddenGeoms[k];
      saved[2 * k] = matId[g];
      saved[2 * k + 1] = rgba[4 * g + 3];
      matId[g] = -1;
      rgba[4 * g + 3] = 0;
    }
    try {
      this.mujoco.mj_multiRay(model, data, from, dirs as unknown as number[], this.geomgroup, 1, -1,
        this.geomIdBuf, this.distBuf, this.width * this.height, this.maxDistance);
    } finally {
      // Re-read the views: the call may have grown WASM memory.
      const rgbaNow = model.geom_rgba as Float32Array;
      const matIdNow = model.geom_matid as Int32Array;
      for (let k = 0; k < hiddenGeoms.length; k++) {
        const g = hiddenGeoms[k];
        matIdNow[g] = saved[2 * k];
        rgbaNow[4 * g + 3] = saved[2 * k + 1];
      }
    }
  }

  /**
   * Direction from every hit towards the key light: the model's first light,
   * treated as a point light at its position (for a directional light that
   * is its `pos`, which a cell places above the table), or a fixed direction
   * from above when the model has no light.
   */
  private aimKeyLight(data: MjData): void {
    const { hits, geomId, toLight, fromLight, lightDist } = this;
    const n = this.width * this.height;
    if (!this.hasLight) {
      for (let p = 0; p < 3 * n; p += 3) { toLight[p] = KEY_DIR[0]; toLight[p + 1] = KEY_DIR[1]; toLight[p + 2] = KEY_DIR[2]; }
      return;
    }
    const light = data.light_xpos as Float64Array;
    const lx = light[0], ly = light[1], lz = light[2];
    for (let i = 0, p = 0; i < n; i++, p += 3) {
      if (geomId[i] < 0) {
        // Background: no shading, but the shadow cast still needs a valid direction.
        fromLight[p] = 0; fromLight[p + 1] = 0; fromLight[p + 2] = -1;
        continue;
      }
      const vx = hits[p] - lx, vy = hits[p + 1] - ly, vz = hits[p + 2] - lz;
      const d = Math.sqrt(vx * vx + vy * vy + vz * vz) || 1e-9;
      lightDist[i] = d;
      fromLight[p] = vx / d; fromLight[p + 1] = vy / d; fromLight[p + 2] = vz / d;
      toLight[p] = -fromLight[p]; toLight[p + 1] = -fromLight[p + 1]; toLight[p + 2] = -fromLight[p + 2];
    }
  }

  /**
   * Shadow rays, all from the key light towards every hit point: one more
   * `mj_multiRay` (it takes a single origin, so the light is the origin, not
   * the surface). A hit is in shadow when the light's ray first meets a
   * different geom clearly before reaching it.
   */
  private castShadows(data: MjData): void {
    const { geomId, lit, fromLight, lightDist } = this;
    const n = this.width * this.height;
    const light = data.light_xpos as Float64Array;
    this.castRays(data, [light[0], light[1], light[2]], fromLight);
    const blocker = this.geomIdBuf.GetView() as Int32Array;
    const blockDist = this.distBuf.GetView() as Float64Array;
    for (let i = 0; i < n; i++) {
      // 2 mm + 0.2%: the pixel's own surface comes back at lightDist up to rounding.
      lit[i] = geomId[i] < 0 || blocker[i] < 0 || blocker[i] === geomId[i] ||
        !(blockDist[i] < lightDist[i] * 0.998 - 0.002) ? 1 : 0;
    }
  }

  /** Free the WASM ray buffers. The model is not owned and stays alive. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.geomIdBuf.delete();
    this.distBuf.delete();
  }
}

/** Names of all cameras in the model, in id order (unnamed ones as `#<id>`). */
export function cameraNames(mujoco: Mujoco, model: MjModel): string[] {
  const names: string[] = [];
  for (let i = 0; i < model.ncam; i++) names.push(mujoco.mj_id2name(model, cameraObjType(mujoco), i) || `#${i}`);
  return names;
}

/** mjOBJ_CAMERA as a number: the binding's enum members are objects carrying `.value`. */
function cameraObjType(mujoco: Mujoco): number {
  return (mujoco.mjtObj.mjOBJ_CAMERA as unknown as { value: number }).value;
}

/** Linear RGB per geom: the material's rgba when the geom has a material, else the geom's. */
function geomColours(model: MjModel): Float32Array {
  const ngeom = model.ngeom;
  const out = new Float32Array(3 * ngeom);
  const rgba = model.geom_rgba as Float32Array;
  const matId = model.geom_matid as Int32Array;
  const matRgba = model.mat_rgba as Float32Array;
  for (let g = 0; g < ngeom; g++) {
    const src = matId[g] >= 0 ? matRgba : rgba;
    const o = 4 * (matId[g] >= 0 ? matId[g] : g);
    out[3 * g] = src[o];
    out[3 * g + 1] = src[o + 1];
    out[3 * g + 2] = src[o + 2];
  }
  return out;
}

function normalize(v: number[]): number[] {
  const len = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / len, v[1] / len, v[2] / len];
}
