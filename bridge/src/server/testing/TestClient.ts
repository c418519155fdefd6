/**
 * A WebSocket client for server tests: a real `ws` socket speaking
 * msgpackr, keeping every message it receives so a test can wait for the
 * first one matching a predicate after a mark.
 */
import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { MSGPACK_OPTIONS, PROTOCOL_VERSION } from '../../protocol/protocolConstants.ts';
import type { ServerMessage, WelcomeMessage } from '../../protocol/ServerMessage.ts';

const packr = new Packr({ ...MSGPACK_OPTIONS });

export class TestClient {
  readonly messages: ServerMessage[] = [];
  /** Resolves when the socket closes. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.messages.push(packr.unpack(data) as ServerMessage);
      this.wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      this.wake();
    }));
  }

  static connect(url: string, opts: { origin?: string } = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, opts.origin ? { origin: opts.origin } : {});
      const client = new TestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
    });
  }

  /** Connects and completes the hello; rejects with the server's error if refused. */
  static async welcomed(url: string, clientName: string, token?: string): Promise<{ client: TestClient; welcome: WelcomeMessage }> {
    const client = await TestClient.connect(url);
    const welcome = await client.hello(clientName, token);
    return { client, welcome };
  }

  async hello(clientName: string, token?: string): Promise<WelcomeMessage> {
    const mark = this.mark();
    this.send({ op: 'hello', version: PROTOCOL_VERSION, clientName, ...(token ? { token } : {}) });
    const m = await this.next((x) => x.op === 'welcome' || x.op === 'error', mark);
    if (m.op !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(m)}`);
    return m;
  }

  send(msg: unknown): void {
    this.ws.send(packr.pack(msg));
  }

  sendRaw(data: Buffer | string): void {
    this.ws.send(data);
  }

  /** The index the next received message will have. */
  mark(): number {
    return this.messages.length;
  }

  /** The first message at index ≥ `from` matching `pred`; rejects if the socket closes first or after `timeoutMs`. */
  next<T extends ServerMessage = ServerMessage>(pred: (m: ServerMessage) => boolean, from = 0, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(from).map((m) => m.op))}`));
      }, timeoutMs);
      const check = (): boolean => {
        for (let i = from; i < this.messages.length; i++) {
          if (pred(this.messages[i])) {
            done();
            resolve(this.messages[i] as T);
            return true;
          }
        }
        if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`socket closed before a matching message; got ${JSON.stringify(this.messages.slice(from))}`));
          return true;
        }
        return false;
      };
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      const waiter = (): void => void check();
      if (!check()) this.waiters.push(waiter);
    });
  }

  /** Sends a ping and waits for its pong: proof the connection is alive and served. */
  async ping(): Promise<void> {
    const t = Math.random();
    const mark = this.mark();
    this.send({ op: 'ping', t });
    await this.next((m) => m.op === 'pong' && m.t === t, mark);
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    return this.closed;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
