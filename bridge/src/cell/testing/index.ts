export { FakeCellConnection } from './FakeCellConnection.ts';
