import type { ProfileSettings } from '../profiles/index.ts';
import type { SafetyLimits } from '../safety/index.ts';

/**
 * One cell, as an integrator describes it in `cell.yaml` (or JSON):
 *
 * ```yaml
 * profile: ur                 # registered robot profile (default ur)
 * url: ws://10.0.0.2:9090     # rosbridge_server (default ws://127.0.0.1:9090)
 * arm: ur5e                   # ur3e | ur5e | ur10e (default: the profile's)
 * jointNames: [...]           # the driver's names, command order (default: the arm's)
 * cameras: [scene, wrist]     # default: none
 * topics: { jointStates: /joint_states, ... }   # rename any role of the profile
 * gripper: { joint: finger_joint, closedPosition: 0.8, commandTopic: /gripper_controller/commands }  # or null
 * toolOffset: [0, 0, 0.15]    # TCP in the flange frame, m (default: the flange)
 * safety: { maxTcpSpeed: 0.25, maxForce: 60, workspace: { min: [..], max: [..] }, ... }
 * ```
 */
export interface CellConfig {
  /** Where this config came from (file name), for messages. */
  source: string;
  profile: string;
  url: string;
  /** Everything the profile's adapter takes. */
  settings: ProfileSettings;
  toolOffset?: [number, number, number];
  /** Overrides of the safety layer's defaults (validated again by the layer). */
  safety: Partial<SafetyLimits>;
}

export const DEFAULT_CELL_URL = 'ws://127.0.0.1:9090';
export const DEFAULT_PROFILE = 'ur';
