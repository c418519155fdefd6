export { createRecorder, openOrCreateDataset } from './openOrCreateDataset.ts';
