import { UR3E, UR5E, UR10E, type ArmModel } from '../kinematics/index.ts';

const ARMS: Record<string, ArmModel> = { ur3e: UR3E, ur5e: UR5E, ur10e: UR10E };

/** Arm model names a cell config may use. */
export function listArmModels(): string[] {
  return Object.keys(ARMS);
}

/** The kinematic model registered as `name`; throws saying which names exist. */
export function getArmModel(name: string): ArmModel {
  const arm = ARMS[name.toLowerCase()];
  if (!arm) throw new Error(`unknown arm model "${name}": expected one of ${listArmModels().join(', ')}.`);
  return arm;
}
