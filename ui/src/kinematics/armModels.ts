/**
 * Arm geometry for the 3D view and the TCP readout, registered by the arm
 * name the bridge announces (`welcome.cell.arm`). Standard DH parameters
 * (m, rad) as the manufacturer publishes them. An arm missing here gets a
 * plain note instead of a 3D view, never a guess.
 */
export interface DhModel {
  a: number[];
  d: number[];
  alpha: number[];
}

const H = Math.PI / 2;

const MODELS: Record<string, DhModel> = {
  ur5e: {
    a: [0, -0.425, -0.3922, 0, 0, 0],
    d: [0.1625, 0, 0, 0.1333, 0.0997, 0.0996],
    alpha: [H, 0, 0, H, -H, 0],
  },
};

export function armModel(arm: string): DhModel | undefined {
  return MODELS[arm.toLowerCase()];
}
