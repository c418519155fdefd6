// @cellkit/recorder: stream capture into dataset episodes, live quality report.
// `./core` is the same without Node I/O.
export * from './core.ts';
export * from './node/index.ts';
