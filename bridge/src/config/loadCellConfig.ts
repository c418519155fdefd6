import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CellConfig } from './CellConfig.ts';
import { parseCellConfig } from './parseCellConfig.ts';

/**
 * Read and check a cell config file (`.yaml`, `.yml` or `.json`). Errors
 * name the file; see `parseCellConfig` for the checks.
 */
export async function loadCellConfig(path: string): Promise<CellConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`could not read cell config ${path}: ${(e as Error).message}; pass the path of a cell.yaml (see bridge/src/config/CellConfig.ts)`);
  }
  return parseCellConfig(text, { source: basename(path) });
}
