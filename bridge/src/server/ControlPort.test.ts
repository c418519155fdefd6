// The real CellController behind the server: it must fit ControlPort as is
// (checked by the compiler here), and lease, jog, e-stop and disconnect must
// work end to end over a real WebSocket. The cell is the in-memory fake
// connection; the lead's real-stack tests put the sim behind it.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccess } from '../access/AccessPolicy.ts';
import { AuditLog } from '../access/AuditLog.ts';
import { FakeCellConnection } from '../cell/testing/FakeCellConnection.ts';
import { CellController } from '../control/CellController.ts';
import { UR5E } from '../kinematics/index.ts';
import type { LeaseMessage, StateMessage } from '../protocol/ServerMessage.ts';
import { buildApp } from './buildApp.ts';
import type { ControlPort } from './ControlPort.ts';
import { TestClient } from './testing/TestClient.ts';

let app: FastifyInstance;
let url: string;
let cell: FakeCellConnection;
let controller: CellController;
let stamp = 1000;
const clients: TestClient[] = [];

/** Joint samples at the UR's 500 Hz on the cell clock: each one may tick the controller. */
function samples(n: number): void {
  for (let i = 0; i < n; i++) cell.joints((stamp += 0.002));
}

beforeAll(async () => {
  cell = new FakeCellConnection();
  controller = new CellController({ connection: cell, arm: UR5E });
  const port: ControlPort = controller; // the contract: no adapter needed
  app = buildApp({ cell, control: port, access: openAccess(), auditLog: AuditLog.inMemory().audit, log: () => {} });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`;
  cell.status(1);
  samples(10);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await app.close();
  controller.close();
});

describe('server + CellController', () => {
  it('announces the safety layer teleop limits in welcome', async () => {
    const { client, welcome } = await TestClient.welcomed(url, 'ui');
    clients.push(client);
    const limits = controller.status().limits;
    expect(welcome.limits.teleop).toEqual({
      maxJointVelocity: limits.maxJointVelocity,
      maxTcpSpeed: limits.maxTcpSpeed,
      deadmanTimeout: limits.deadmanTimeout,
      workspace: limits.workspace,
      toolOffset: [0, 0, 0],
    });
    const state = await client.next<StateMessage>((m) => m.op === 'state');
    expect(state.gates).toMatchObject({ estop: true, lease: false });
  });

  it('moves the arm for the lease holder only, and stops it when the holder disconnects', async () => {
    const a = await TestClient.welcomed(url, 'alice');
    const b = await TestClient.welcomed(url, 'bob');
    clients.push(a.client, b.client);
    a.client.send({ op: 'lease.acquire' });
    await b.client.next<LeaseMessage>((m) => m.op === 'lease' && m.holder === a.welcome.clientId);

    b.client.send({ op: 'teleop.joints', velocities: [0.2, 0, 0, 0, 0, 0] });
    await b.client.next((m) => m.op === 'error' && m.code === 'not_lease_holder');

    // Jog as a UI does while a key is held: a frame per cycle. (The controller's
    // wall-clock watchdog may void a frame if this machine stalls between our
    // bursts of samples; the next frame then moves the arm.)
    const before = cell.sent.length;
    let moving: typeof cell.sent = [];
    for (let i = 0; i < 50 && moving.length === 0; i++) {
      a.client.send({ op: 'teleop.joints', velocities: [0.2, 0, 0, 0, 0, 0] });
      await a.client.ping();
      samples(10);
      moving = cell.sent.slice(before).filter((c) => c.velocities[0] > 0);
    }
    expect(moving.length).toBeGreaterThan(0);
    expect(Math.max(...moving.map((c) => c.velocities[0]))).toBeLessThanOrEqual(0.2);

    const mark = b.client.mark();
    await a.client.close();
    await b.client.next<LeaseMessage>((m) => m.op === 'lease' && m.holder === null, mark);
    expect(controller.leaseHolder).toBeUndefined();
    expect(cell.sent.at(-1)!.velocities).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('latches an e-stop from any client and reports who pressed it', async () => {
    const { client } = await TestClient.welcomed(url, 'wall');
    clients.push(client);
    client.send({ op: 'subscribe', streams: ['events'] });
    await client.ping();
    const mark = client.mark();
    client.send({ op: 'estop', reason: 'person in the cell' });
    const state = await client.next<StateMessage>((m) => m.op === 'state' && m.estopped, mark);
    expect(state.gates.estop).toBe(false);
    expect(state.estop).toMatchObject({ by: expect.stringContaining('wall'), reason: 'person in the cell' });
    await client.next((m) => m.op === 'safety' && m.event.kind === 'estop', mark);
    expect(controller.status().estopped).toBe(true);
    client.send({ op: 'estop.reset' });
    await client.next<StateMessage>((m) => m.op === 'state' && !m.estopped, mark);
  });
});
