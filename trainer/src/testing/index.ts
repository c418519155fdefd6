export { syntheticData, UR_JOINTS } from './syntheticData.ts';
export type { SyntheticDataOptions } from './syntheticData.ts';
