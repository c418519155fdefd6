export type { CellConfig } from './CellConfig.ts';
export { DEFAULT_CELL_URL, DEFAULT_PROFILE } from './CellConfig.ts';
export { parseCellConfig } from './parseCellConfig.ts';
export type { ParseCellConfigOptions } from './parseCellConfig.ts';
export { loadCellConfig } from './loadCellConfig.ts';
export { resolveCellConfig } from './resolveCellConfig.ts';
export type { ResolvedCell } from './resolveCellConfig.ts';
export { checkSafetyOverrides } from './checkSafetyOverrides.ts';
