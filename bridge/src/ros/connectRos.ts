// How cellkit makes a roslib 2.x client in Node. roslib's default transport
// uses the global WebSocket when one exists (Node >= 22, browsers) and
// otherwise imports `ws`; we always use `ws` so behaviour (binary frames as
// ArrayBuffer for CBOR, error details) is the same on every Node version.
import { Decoder } from 'cbor-x';
import { AbstractTransport, type ITransport, Ros, type RosbridgeMessage } from 'roslib';
import { WebSocket } from 'ws';

// roslib decodes CBOR frames with cbor2, whose generator-based decoder
// allocates tens of objects per value: at the cell's sample rates that was
// ~60 MB/s of garbage in the bridge and young-generation GC pauses of 2–5 ms
// in the teleop path. cbor-x reads the same RFC 8949 data (maps as objects,
// RFC 8746 typed-array tags as typed arrays, byte strings as bytes) without
// that garbage. Byte strings are copied so a decoded image does not pin the
// whole frame it came in.
const cbor = new Decoder({ mapsAsObjects: true, useRecords: false, copyBuffers: true });

/** A decoded frame roslib can route as is: a rosbridge message that is neither a fragment nor PNG-packed. */
function plainMessage(m: unknown): m is RosbridgeMessage {
  if (m === null || typeof m !== 'object' || !('op' in m)) return false;
  const op = (m as { op: unknown }).op;
  return typeof op === 'string' && op !== 'fragment' && op !== 'png';
}

export interface ConnectRosOptions {
  /** Give up after this long. Default 5000 ms. */
  timeoutMs?: number;
}

/** roslib transport over the `ws` package. */
class WsTransport extends AbstractTransport {
  constructor(private readonly socket: WebSocket) {
    super();
    // roslib decodes ArrayBuffer frames as CBOR and strings as JSON.
    socket.binaryType = 'arraybuffer';
    socket.on('open', () => this.emit('open', undefined));
    socket.on('close', (code, reason) => this.emit('close', { code, reason: reason.toString() }));
    socket.on('error', (err) => this.emit('error', err));
    socket.on('message', (data, isBinary) => this.handleRawMessage(isBinary ? data : data.toString()));
  }
  /** CBOR frames through cbor-x; everything else (JSON, and anything cbor-x reads as not a plain message) as roslib does it. */
  protected override handleRawMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      let m: unknown;
      try {
        m = cbor.decode(new Uint8Array(data));
      } catch {
        m = undefined; // roslib's own decoder reports what is wrong with the frame
      }
      if (plainMessage(m)) {
        this.emit('message', m);
        return;
      }
    }
    super.handleRawMessage(data);
  }
  send(message: RosbridgeMessage): void {
    this.socket.send(JSON.stringify(message));
  }
  close(): void {
    this.socket.close();
  }
  isConnecting(): boolean {
    return this.socket.readyState === WebSocket.CONNECTING;
  }
  isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }
  isClosing(): boolean {
    return this.socket.readyState === WebSocket.CLOSING;
  }
  isClosed(): boolean {
    return this.socket.readyState === WebSocket.CLOSED;
  }
}

/** A roslib transport factory backed by `ws`; pass it to `new Ros({ transportFactory })`. */
export async function wsTransportFactory(url: string): Promise<ITransport> {
  return new WsTransport(new WebSocket(url));
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && 'code' in e) return `connection closed (code ${String((e as { code: unknown }).code)})`;
  return String(e);
}

/**
 * Connect a roslib client to a rosbridge v2 server (real cell or sim).
 * Resolves once the websocket is open; rejects with what went wrong and
 * what to check.
 */
export async function connectRos(url: string, opts: ConnectRosOptions = {}): Promise<Ros> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const ros = new Ros({ transportFactory: wsTransportFactory });
  const fail = (why: string) => new Error(`could not reach rosbridge at ${url}: ${why}; is the cell running?`);
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ros.off('connection', onOpen);
      ros.off('error', onError);
      ros.off('close', onClose);
      if (err) {
        ros.close();
        reject(err);
      } else resolve();
    };
    const onOpen = () => settle();
    const onError = (e: unknown) => settle(fail(describe(e)));
    const onClose = (e: unknown) => settle(fail(describe(e)));
    const timer = setTimeout(() => settle(fail(`no connection within ${timeoutMs} ms`)), timeoutMs);
    ros.on('connection', onOpen);
    ros.on('error', onError);
    ros.on('close', onClose);
    ros.connect(url).catch((e: unknown) => settle(fail(describe(e))));
  });
  return ros;
}
