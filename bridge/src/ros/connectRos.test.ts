import { createServer } from 'node:net';
import { Topic } from 'roslib';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { connectRos } from './connectRos.ts';

describe('connectRos', () => {
  it('resolves once connected and carries JSON and CBOR frames both ways', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    const received: unknown[] = [];
    wss.on('connection', (ws) => {
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        received.push(m);
        if (m.op === 'subscribe') {
          ws.send(JSON.stringify({ op: 'publish', topic: m.topic, msg: { data: 1 } }));
          // {op:'publish', topic:'/t', msg:{data:2}} in CBOR
          ws.send(Buffer.from('a3626f70677075626c69736865746f706963622f74636d7367a1646461746102', 'hex'));
        }
      });
    });
    const ros = await connectRos(`ws://127.0.0.1:${port}`);
    try {
      expect(ros.isConnected).toBe(true);
      const got: unknown[] = [];
      await new Promise<void>((resolve) => {
        new Topic<{ data: number }>({ ros, name: '/t', messageType: 'std_msgs/msg/Int32' }).subscribe((m) => {
          got.push(m);
          if (got.length === 2) resolve();
        });
      });
      expect(got).toEqual([{ data: 1 }, { data: 2 }]);
      expect(received[0]).toMatchObject({ op: 'subscribe', topic: '/t', type: 'std_msgs/msg/Int32' });
    } finally {
      ros.close();
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    }
  });

  it('rejects with the url, the cause and a hint when nothing listens', async () => {
    // Take a free port, then release it so the connection is refused.
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise((r) => srv.close(r));
    await expect(connectRos(`ws://127.0.0.1:${port}`)).rejects.toThrow(
      new RegExp(`^could not reach rosbridge at ws://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*; is the cell running\\?$`),
    );
  });

  it('rejects on a malformed url', async () => {
    await expect(connectRos('not a url')).rejects.toThrow(/^could not reach rosbridge at not a url: .*is the cell running\?$/);
  });
});
