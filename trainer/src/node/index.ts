export { DirBundleStore } from './DirBundleStore.ts';
export { DirCheckpointStore } from './DirCheckpointStore.ts';
