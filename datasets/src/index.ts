// @cellkit/datasets: episodes on disk (MCAP, ROS 2 conventions), datasets,
// recovery, aligned reading, validation. `./core` is the same without Node I/O.
export * from './core.ts';
export * from './node/index.ts';
