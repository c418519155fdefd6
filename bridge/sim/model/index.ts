export { buildCellXml, CELL_NAMES, ARM_SERVO_GAINS } from './buildCellXml.ts';
export type { CellXmlOptions } from './buildCellXml.ts';
export { CELL_LAYOUT } from './cellLayout.ts';
