/**
 * A small cell for the renderer's tests, independent of the real UR5e scene:
 * a light, a floor, a table (coloured by a material), a red cube on a free joint, a
 * green target marker on a mocap body, a yellow goal pad, and two cameras.
 * It also holds geoms that must NOT show: a collision-only box in group 3 and
 * an invisible (alpha 0) box, both placed in front of the scene camera.
 */
export const testSceneXml = `
<mujoco model="render-test">
  <asset>
    <material name="tabletop" rgba="0.55 0.42 0.3 1"/>
  </asset>
  <worldbody>
    <light name="key" pos="0.5 0.1 2" dir="0 0 -1"/>
    <geom name="floor" type="plane" size="3 3 0.1" rgba="0.6 0.6 0.62 1"/>
    <geom name="table" type="box" pos="0.5 0 0.375" size="0.35 0.45 0.025" material="tabletop"/>
    <geom name="leg" type="cylinder" pos="0.5 0 0.18" size="0.05 0.18" rgba="0.3 0.3 0.3 1"/>
    <geom name="goal" type="box" pos="0.45 -0.2 0.401" size="0.06 0.06 0.001" rgba="0.95 0.85 0.1 1" contype="0" conaffinity="0"/>
    <geom name="collision_only" type="box" group="3" pos="0.95 0 0.75" size="0.05 0.3 0.2" rgba="0 0 1 1"/>
    <geom name="invisible" type="box" pos="0.9 0.1 0.7" size="0.03 0.03 0.03" rgba="0 0 1 0"/>
    <camera name="scene" pos="1.2 0 0.95" xyaxes="0 1 0 -0.6 0 0.8" fovy="45"/>
    <camera name="top" pos="0.5 0 1.6" xyaxes="0 1 0 -1 0 0" fovy="60"/>
    <body name="cube" pos="0.5 0.1 0.43">
      <freejoint name="cube"/>
      <geom name="cube" type="box" size="0.03 0.03 0.03" rgba="0.85 0.1 0.1 1"/>
    </body>
    <body name="target" mocap="true" pos="0.55 -0.05 0.41">
      <geom name="target" type="sphere" size="0.02" rgba="0.1 0.8 0.2 1" contype="0" conaffinity="0"/>
    </body>
  </worldbody>
</mujoco>`;

/**
 * Pinhole projection of world point `p` into a `width`x`height` image of
 * camera `cam`, from the camera's pose in `data` and `cam_fovy`, written
 * independently of RayCastCamera so tests can check where things land.
 * Returns integer pixel coordinates (column, row from the top), or null when
 * the point is behind the camera or outside the image.
 */
export function projectPoint(
  camPos: ArrayLike<number>,
  camMat: ArrayLike<number>,
  fovyDeg: number,
  width: number,
  height: number,
  p: readonly number[],
): { col: number; row: number } | null {
  const d = [p[0] - camPos[0], p[1] - camPos[1], p[2] - camPos[2]];
  // Camera frame coordinates: columns of the row-major world-from-camera matrix.
  const x = camMat[0] * d[0] + camMat[3] * d[1] + camMat[6] * d[2];
  const y = camMat[1] * d[0] + camMat[4] * d[1] + camMat[7] * d[2];
  const z = camMat[2] * d[0] + camMat[5] * d[1] + camMat[8] * d[2];
  if (z >= 0) return null; // MuJoCo cameras look along -z
  const f = height / 2 / Math.tan((fovyDeg * Math.PI) / 360);
  const col = Math.floor(width / 2 + (f * x) / -z);
  const row = Math.floor(height / 2 - (f * y) / -z);
  if (col < 0 || col >= width || row < 0 || row >= height) return null;
  return { col, row };
}
