export { FakeCell, FAKE_CELL_DESCRIPTION } from './FakeCell.ts';
export { FakeControlPort, type FakeControlCall } from './FakeControlPort.ts';
export { TestClient } from './TestClient.ts';
