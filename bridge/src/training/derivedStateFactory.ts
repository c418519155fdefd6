/**
 * What `trainDatasetDir` computes derived state inputs (tcp_pose, tcp_height) and twist
 * actions (`--action twist`) with — one arm and tool for both — for
 * `cellkit train` and the training API's worker. A dataset records its robot
 * profile, not the arm model or the tool, so: the arm given, else the one a
 * resumed run used, else the profile's default arm; the tool offset given,
 * else the resumed run's, else the embedded sim cell's TCP (where `cellkit
 * demo` records). A bundle trained with the wrong ones is refused on load by a
 * cell whose arm or tool offset differs (checkBundleFits), before anything moves.
 */
import { DatasetSelectionError } from '@cellkit/trainer';
import type { DerivedStateFactory } from '@cellkit/trainer/node';

import { CELL_LAYOUT } from '../../sim/model/index.ts';
import { tcpHeightState, tcpPoseState } from '../policy/tcpPoseState.ts';
import { twistAction } from '../policy/twistAction.ts';
import { getProfile } from '../profiles/profileRegistry.ts';

export interface DerivedStateFactoryOptions {
  /** Arm model name, e.g. 'ur5e'. */
  arm?: string;
  /** m, the tool point in the flange frame. */
  toolOffset?: [number, number, number];
}

/** The embedded sim cell's tool point (simCellConfig uses the same). */
export const SIM_TOOL_OFFSET: [number, number, number] = [...CELL_LAYOUT.tcpOffset];

export function derivedStateFactory(opts: DerivedStateFactoryOptions = {}): DerivedStateFactory {
  return ({ robotProfile, saved }) => {
    let arm = opts.arm ?? saved?.arm;
    if (arm === undefined) {
      try {
        arm = getProfile(robotProfile).defaults.arm;
      } catch (err) {
        throw new DatasetSelectionError(`tcp_pose / tcp_height / twist: the dataset's robot profile has no known arm model (${(err as Error).message}); pass --arm`);
      }
    }
    const toolOffset = opts.toolOffset ?? saved?.toolOffset ?? SIM_TOOL_OFFSET;
    try {
      return { tcp_pose: tcpPoseState({ arm, toolOffset }), tcp_height: tcpHeightState({ arm, toolOffset }), twist: twistAction({ arm, toolOffset }) };
    } catch (err) {
      throw new DatasetSelectionError(`tcp_pose / tcp_height / twist: ${(err as Error).message}`);
    }
  };
}
