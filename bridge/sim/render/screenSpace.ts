// Per-pixel helpers that look at a pixel's neighbours in the image: the ray
// hits of one frame, row-major, `geomId` -1 where a ray hit nothing.

/**
 * Normal from neighbouring hit points on the same geom, for geom types with no
 * analytic normal here (meshes, height fields, SDFs). Its sign is fixed by the
 * caller. Writes a zero vector when the pixel has no usable neighbours (a
 * one-pixel sliver); the caller then faces it to the camera.
 */
export function screenSpaceNormal(
  hits: Float64Array, geomId: Int32Array, i: number, col: number, row: number,
  width: number, height: number, out: Float64Array,
): void {
  const g = geomId[i];
  const right = col + 1 < width && geomId[i + 1] === g ? i + 1 : -1;
  const left = col > 0 && geomId[i - 1] === g ? i - 1 : -1;
  const down = row + 1 < height && geomId[i + width] === g ? i + width : -1;
  const up = row > 0 && geomId[i - width] === g ? i - width : -1;
  const [ha, hb] = right >= 0 ? [i, right] : left >= 0 ? [left, i] : [-1, -1];
  const [va, vb] = down >= 0 ? [i, down] : up >= 0 ? [up, i] : [-1, -1];
  if (ha < 0 || va < 0) {
    out[0] = 0; out[1] = 0; out[2] = 0;
    return;
  }
  const ux = hits[3 * hb] - hits[3 * ha], uy = hits[3 * hb + 1] - hits[3 * ha + 1], uz = hits[3 * hb + 2] - hits[3 * ha + 2];
  const vx = hits[3 * vb] - hits[3 * va], vy = hits[3 * vb + 1] - hits[3 * va + 1], vz = hits[3 * vb + 2] - hits[3 * va + 2];
  const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
  const len = Math.sqrt(nx * nx + ny * ny + nz * nz) || 1;
  out[0] = nx / len; out[1] = ny / len; out[2] = nz / len;
}

/** True when a 4-neighbour shows a different geom that is farther away (or background). */
export function isSilhouette(
  geomId: Int32Array, dist: Float64Array, i: number, col: number, row: number, width: number, height: number,
): boolean {
  const g = geomId[i];
  const d = dist[i] * 1.02;
  return (
    (col + 1 < width && fartherGeom(geomId, dist, i + 1, g, d)) ||
    (col > 0 && fartherGeom(geomId, dist, i - 1, g, d)) ||
    (row + 1 < height && fartherGeom(geomId, dist, i + width, g, d)) ||
    (row > 0 && fartherGeom(geomId, dist, i - width, g, d))
  );
}

function fartherGeom(geomId: Int32Array, dist: Float64Array, j: number, g: number, d: number): boolean {
  return geomId[j] !== g && (geomId[j] < 0 || dist[j] > d);
}
