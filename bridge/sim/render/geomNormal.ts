// mjtGeom values (MuJoCo 3.x `mjGEOM_*`); the WASM binding exposes them only
// as enum objects, and these numbers are part of MuJoCo's stable C API.
const PLANE = 0;
const SPHERE = 2;
const CAPSULE = 3;
const ELLIPSOID = 4;
const CYLINDER = 5;
const BOX = 6;

/**
 * Outward unit surface normal, in world coordinates, of geom `g` at the world
 * point `hits[p..p+2]`, computed analytically from the geom's type and size
 * (`geom_size`, 3 per geom) and its pose (`geom_xpos`, `geom_xmat` row-major).
 * Writes `out` and returns true; returns false for types with no analytic
 * normal (meshes, height fields, SDFs), leaving `out` unspecified.
 */
export function geomNormal(
  type: number,
  sizes: Float64Array,
  gpos: Float64Array,
  gmat: Float64Array,
  g: number,
  hits: Float64Array,
  p: number,
  out: Float64Array,
): boolean {
  const m = 9 * g;
  const sx = sizes[3 * g], sy = sizes[3 * g + 1], sz = sizes[3 * g + 2];
  // Hit point in the geom frame: R^T (hit - centre).
  const wx = hits[p] - gpos[3 * g], wy = hits[p + 1] - gpos[3 * g + 1], wz = hits[p + 2] - gpos[3 * g + 2];
  const x = gmat[m] * wx + gmat[m + 3] * wy + gmat[m + 6] * wz;
  const y = gmat[m + 1] * wx + gmat[m + 4] * wy + gmat[m + 7] * wz;
  const z = gmat[m + 2] * wx + gmat[m + 5] * wy + gmat[m + 8] * wz;
  let nx = 0, ny = 0, nz = 0;
  switch (type) {
    case PLANE:
      nz = 1;
      break;
    case SPHERE:
      nx = x; ny = y; nz = z;
      break;
    case ELLIPSOID:
      nx = x / (sx * sx); ny = y / (sy * sy); nz = z / (sz * sz);
      break;
    case CAPSULE: {
      // Distance from the axis segment: the nearest axis point is z clamped to the half-length.
      const zc = Math.max(-sy, Math.min(sy, z));
      nx = x; ny = y; nz = z - zc;
      break;
    }
    case CYLINDER: {
      // On the surface one of |z|/h and rho/r is 1 and the other <= 1: the larger picks the face.
      const rho = Math.sqrt(x * x + y * y);
      if (Math.abs(z) / sy >= rho / sx) nz = Math.sign(z) || 1;
      else { nx = x; ny = y; }
      break;
    }
    case BOX: {
      const ax = Math.abs(x) / sx, ay = Math.abs(y) / sy, az = Math.abs(z) / sz;
      if (ax >= ay && ax >= az) nx = Math.sign(x) || 1;
      else if (ay >= az) ny = Math.sign(y) || 1;
      else nz = Math.sign(z) || 1;
      break;
    }
    default:
      return false;
  }
  // Back to world: R n, then normalize.
  const ox = gmat[m] * nx + gmat[m + 1] * ny + gmat[m + 2] * nz;
  const oy = gmat[m + 3] * nx + gmat[m + 4] * ny + gmat[m + 5] * nz;
  const oz = gmat[m + 6] * nx + gmat[m + 7] * ny + gmat[m + 8] * nz;
  const len = Math.sqrt(ox * ox + oy * oy + oz * oz);
  if (!(len > 0)) return false;
  out[0] = ox / len;
  out[1] = oy / len;
  out[2] = oz / len;
  return true;
}
