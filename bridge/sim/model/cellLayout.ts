/**
 * Fixed geometry of the simulated cell, shared by the MJCF builder, the cell,
 * the tasks and the scripted experts (experts may use it: it is what an
 * integrator would know about a real cell — the tool definition and the table).
 *
 * Frames: the MuJoCo world frame IS the robot's `base` frame (UR controller
 * base, DH frame 0): z up, the arm mounted at the origin on the table top
 * (z = 0). The workspace is in front of the robot along -x.
 */
export const CELL_LAYOUT = {
  /** Table top surface height (m). The robot base stands on it. */
  tableTopZ: 0,
  /** Table top extent: centre (x, y) and half sizes (m). */
  tableCenter: [-0.35, 0] as [number, number],
  tableHalfSize: [0.6, 0.75] as [number, number],
  /** Height of the table top above the floor (m); the floor is at -tableHeight. */
  tableHeight: 0.75,
  /** F/T sensor (Robotiq FT-300-like) thickness between flange and gripper (m). */
  ftSensorLength: 0.0375,
  /** Gripper palm height along the tool axis, from the sensor face (m). */
  palmLength: 0.07,
  /** Finger pad half sizes: x = closing axis (flange x), y, z = along the tool axis (m). */
  fingerHalfSize: [0.006, 0.011, 0.03] as [number, number, number],
  /** Inner face of each finger at x = ±fingerOpenHalfGap when fully open (m). */
  fingerOpenHalfGap: 0.04,
  /** Slide travel per finger from open to fully closed (m). */
  fingerTravel: 0.04,
  /** finger_joint reading at full travel (Robotiq 2F-85 finger_joint ≈ 0.8 rad when closed). */
  fingerJointClosed: 0.8,
  /**
   * Tool centre point: offset from the flange along the flange z axis (m).
   * It is the centre of the finger pads' grasp region, 2 cm above the fingertips.
   */
  tcpOffset: [0, 0, 0.0375 + 0.07 + 0.04] as [number, number, number],
  /** Fingertip distance below the TCP along the tool axis (m). */
  tcpToFingertip: 0.02,
  /** Cube half edge (m), mass (kg). */
  cubeHalfSize: 0.025,
  cubeMass: 0.1,
  /** Radius of the push goal disc (m). */
  goalRadius: 0.05,
  /** Radius of the target marker sphere (m). */
  targetRadius: 0.02,
  /**
   * Radius of the thin stand the target marker sits on, down through the table top
   * (m; visual only). A marker floating in mid-air is ambiguous in depth from one
   * camera; where its stand meets the table shows where it is, as on a real fixture.
   */
  targetStandRadius: 0.007,
  /** Home joint positions: tool pointing straight down over the table. */
  homeJointPositions: [0, -Math.PI / 2, Math.PI / 2, -Math.PI / 2, -Math.PI / 2, 0],
} as const;
