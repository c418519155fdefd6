export { SimCellServer, type SimCellServerOptions } from './node/SimCellServer.ts';
export { SimRunner, type SimSpeed, type SimRunnerStats } from './node/SimRunner.ts';
export { SimRosNode } from './node/SimRosNode.ts';
export * from './node/urTopics.ts';
export * from './node/rosMessages.ts';
