export * from './syntheticEpisode.ts';
