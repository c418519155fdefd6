import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { MSGPACK_OPTIONS, PROTOCOL_VERSION } from '../bridge/src/protocol/protocolConstants.ts';
import type { ClientMessage, ServerMessage, StreamName, TelemetryMessage } from '../bridge/src/protocol/index.ts';

/**
 * A lean protocol client for high rates: counts samples instead of keeping
 * messages. Samples count toward the window when their cell stamp lies in
 * (lo, hi]; stamps must strictly increase per stream.
 */
export class LeanClient {
  private static readonly packr = new Packr({ ...MSGPACK_OPTIONS });
  clientId = '';
  window = { lo: Infinity, hi: Infinity };
  readonly got = { joints: 0, wrench: 0, dropped: 0, outOfOrder: 0 };
  readonly errors: string[] = [];
  onTelemetry?: (m: TelemetryMessage, at: number) => void;
  private last = { joints: -Infinity, wrench: -Infinity };
  private waiters: ((m: ServerMessage) => boolean)[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const at = performance.now();
      const m = LeanClient.packr.unpack(data) as ServerMessage;
      if (m.op === 'telemetry') this.count(m, at);
      else if (m.op === 'error' && this.errors.length < 5) this.errors.push(`${m.code}: ${m.message}`);
      this.waiters = this.waiters.filter((w) => !w(m));
    });
  }

  static async open(url: string, name: string): Promise<LeanClient> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const c = new LeanClient(ws);
    const welcome = c.next((m) => m.op === 'welcome' || m.op === 'error');
    c.send({ op: 'hello', version: PROTOCOL_VERSION, clientName: name });
    const w = await welcome;
    if (w.op !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(w)}`);
    c.clientId = w.clientId;
    return c;
  }

  send(m: ClientMessage): void {
    this.ws.send(LeanClient.packr.pack(m));
  }

  subscribe(streams: StreamName[], maxRateHz: number): void {
    this.send({ op: 'subscribe', streams, maxRateHz });
  }

  async acquireLease(): Promise<void> {
    const got = this.next((m) => (m.op === 'lease' && m.holder === this.clientId) || (m.op === 'error' && m.requestOp === 'lease.acquire'));
    this.send({ op: 'lease.acquire' });
    const m = await got;
    if (m.op !== 'lease') throw new Error(`lease refused: ${JSON.stringify(m)}`);
  }

  next(pred: (m: ServerMessage) => boolean, timeoutMs = 5000): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected a matching message within ${timeoutMs} ms, found none`)), timeoutMs);
      this.waiters.push((m) => pred(m) && (clearTimeout(timer), resolve(m), true));
    });
  }

  close(): void {
    this.ws.close();
  }

  private count(m: TelemetryMessage, at: number): void {
    const { lo, hi } = this.window;
    for (const s of m.joints) {
      if (s.stamp <= this.last.joints) this.got.outOfOrder++;
      this.last.joints = s.stamp;
      if (s.stamp > lo && s.stamp <= hi) this.got.joints++;
    }
    for (const s of m.wrench) {
      if (s.stamp <= this.last.wrench) this.got.outOfOrder++;
      this.last.wrench = s.stamp;
      if (s.stamp > lo && s.stamp <= hi) this.got.wrench++;
    }
    if (m.dropped) this.got.dropped += m.dropped.joints + m.dropped.wrench;
    this.onTelemetry?.(m, at);
  }
}
