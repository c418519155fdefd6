export * from './FakeCellSource.ts';
