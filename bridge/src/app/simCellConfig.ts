import type { CellConfig } from '../config/index.ts';
import { CELL_LAYOUT } from '../../sim/model/index.ts';

/**
 * The cell config of the embedded sim: the `ur` profile with the sim's
 * cameras, the tool point between the fingertips, and a workspace box fitted
 * to its table (the default box keeps 5 cm above the mounting plane, which
 * would forbid grasping a 5 cm cube lying on the table).
 */
export function simCellConfig(opts: { url: string; cameras: string[] }): CellConfig {
  const table = CELL_LAYOUT.tableTopZ;
  return {
    source: 'embedded sim cell',
    profile: 'ur',
    url: opts.url,
    settings: { arm: 'ur5e', cameras: opts.cameras },
    toolOffset: [...CELL_LAYOUT.tcpOffset] as [number, number, number],
    safety: {
      workspace: { min: [-0.85, -0.6, table + 0.01], max: [-0.15, 0.45, table + 0.7] },
    },
  };
}
