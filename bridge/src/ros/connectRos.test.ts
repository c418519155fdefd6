import { createServer } from 'node:net';
import { Encoder } from 'cbor-x';
import { decode as cbor2Decode } from 'cbor2';
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

  it('reads CBOR frames as roslib\'s own decoder does: typed-array tags (both byte orders), bytes, stamps, nesting', async () => {
    const enc = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true });
    const messages = [
      {
        header: { stamp: { sec: 1_700_000_000, nanosec: 999_999_999 }, frame_id: 'base' },
        name: ['a', 'b', 'c'],
        position: new Float64Array([0.1, -2.5, Math.PI]),
        velocity: new Float32Array([1.5, -0.25]),
        effort: [],
      },
      { data: new Uint8Array([0, 1, 2, 255]), counts: new Uint16Array([1, 65535]), ids: new Int32Array([-7, 7]), ok: true, none: null },
      { nested: [{ x: -1, y: 2.5 }, { x: 2 ** 40, y: -0.0 }], text: 'ünïcødé ✓' },
    ];
    const frames = messages.map((msg) => new Uint8Array(enc.encode({ op: 'publish', topic: '/t', msg })));
    // RFC 8746 float64 big-endian (tag 82) as another encoder might write it: [1.5, -2]
    const be = Buffer.alloc(16);
    be.writeDoubleBE(1.5, 0);
    be.writeDoubleBE(-2, 8);
    const head = [...enc.encode({ op: 'publish', topic: '/t', msg: { v: 0 } })].slice(0, -1); // without the value 0
    frames.push(new Uint8Array([...head, 0xd8, 82, 0x50, ...be]));
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    wss.on('connection', (ws) => {
      ws.on('message', (d) => {
        if (JSON.parse(d.toString()).op !== 'subscribe') return;
        ws.send(Buffer.from([0xff, 0x00])); // not CBOR: roslib reports it, the connection lives on
        for (const f of frames) ws.send(f);
      });
    });
    const ros = await connectRos(`ws://127.0.0.1:${port}`);
    const errors: unknown[] = [];
    ros.on('error', (e) => errors.push(e));
    try {
      const got: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        setTimeout(() => reject(new Error(`expected ${frames.length} messages within 5 s, got ${got.length}`)), 5000);
        new Topic({ ros, name: '/t', messageType: 'x/msg/Y' }).subscribe((m) => {
          got.push(m);
          if (got.length === frames.length) resolve();
        });
      });
      const expected = frames.map((f) => (cbor2Decode(f) as { msg: unknown }).msg);
      expect(got).toEqual(expected);
      expect((got[0] as { position: unknown }).position).toBeInstanceOf(Float64Array);
      expect(got[3]).toEqual({ v: new Float64Array([1.5, -2]) });
      // decoded bytes are their own copy, not a view pinning the whole frame
      expect((got[1] as { data: Uint8Array }).data.buffer.byteLength).toBe(4);
      expect(errors).toHaveLength(1);
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
