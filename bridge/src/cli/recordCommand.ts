import { parseArgs } from 'node:util';

import { Packr } from 'msgpackr';
import WebSocket from 'ws';

import { MSGPACK_OPTIONS, PROTOCOL_VERSION } from '../protocol/protocolConstants.ts';
import type { ClientMessage } from '../protocol/ClientMessage.ts';
import type { ErrorMessage, RecordingMessage, ServerMessage } from '../protocol/ServerMessage.ts';
import { UsageError, type Command } from './Command.ts';

const usage = `Usage: cellkit record <start|stop|status> [options]

Starts and stops episode recording on a running bridge (cellkit start or
cellkit bridge), through its browser protocol — the same record.start and
record.stop the UI sends.

  cellkit record start --dataset <name> --task <text>
  cellkit record stop --outcome success|failure|discard [--notes <text>]
  cellkit record status

Options:
  --url <ws-url>     the bridge's websocket (default ws://127.0.0.1:8080/ws)
  --token <token>    access token, needed beyond loopback (default $CELLKIT_TOKEN)
  --name <name>      client name shown to others and stored as the operator (default cli)
  --timeout <s>      give up waiting for the bridge after this long (default 10; stop waits for the disk up to 130)`;

const packr = new Packr({ ...MSGPACK_OPTIONS });

export interface RecordCommandOptions {
  print?: (line: string) => void;
  printError?: (line: string) => void;
}

export function createRecordCommand(commandOptions: RecordCommandOptions = {}): Command {
  const print = commandOptions.print ?? ((l: string) => console.log(l));
  const printError = commandOptions.printError ?? ((l: string) => console.error(l));
  return {
    name: 'record',
    summary: 'start or stop recording an episode on a running bridge',
    usage,
    async run(argv) {
      const { values, positionals } = parseArgs({
        args: argv,
        options: {
          url: { type: 'string', default: 'ws://127.0.0.1:8080/ws' },
          token: { type: 'string' },
          name: { type: 'string', default: 'cli' },
          dataset: { type: 'string' },
          task: { type: 'string' },
          outcome: { type: 'string' },
          notes: { type: 'string' },
          timeout: { type: 'string' },
        },
        allowPositionals: true,
        strict: true,
      });
      const action = positionals[0];
      if (positionals.length !== 1 || !['start', 'stop', 'status'].includes(action!)) {
        throw new UsageError(`expected one of start, stop, status; found ${positionals.length ? positionals.join(' ') : 'nothing'}`);
      }
      let request: ClientMessage | undefined;
      if (action === 'start') {
        if (!values.dataset || !values.task) throw new UsageError('record start needs --dataset <name> and --task <text>');
        request = { op: 'record.start', dataset: values.dataset, task: values.task };
      } else if (action === 'stop') {
        const outcome = values.outcome;
        if (outcome !== 'success' && outcome !== 'failure' && outcome !== 'discard') throw new UsageError(`record stop needs --outcome success|failure|discard, found ${outcome ?? 'none'}`);
        request = { op: 'record.stop', outcome, ...(values.notes === undefined ? {} : { notes: values.notes }) };
      }
      const timeout = Number(values.timeout ?? (action === 'stop' ? 130 : 10));
      if (!(timeout > 0)) throw new UsageError(`--timeout expects a positive number of seconds, found '${values.timeout}'`);

      const link = await BridgeLink.open(values.url!, timeout);
      try {
        link.send({ op: 'hello', version: PROTOCOL_VERSION, clientName: values.name!, ...(values.token ?? process.env.CELLKIT_TOKEN ? { token: values.token ?? process.env.CELLKIT_TOKEN } : {}) });
        const hello = await link.next((m) => m.op === 'welcome' || m.op === 'error');
        if (hello.op === 'error') return fail(hello);
        // The bridge sends its recording state right after welcome (if it records at all).
        const current = await link.next<RecordingMessage>((m) => m.op === 'recording', 2).catch(() => undefined);
        if (!current) {
          printError(`cellkit record: the bridge at ${values.url} does not record (no recording state after welcome); start it with cellkit start or cellkit bridge`);
          return 1;
        }
        if (!request) {
          print(describe(current));
          return 0;
        }
        const mark = link.mark();
        link.send(request);
        const answer = await link.next(
          (m) =>
            (m.op === 'error' && m.requestOp === request.op) ||
            (m.op === 'recording' && (request.op === 'record.start' ? m.state === 'recording' : m.state === 'idle' && m.last !== undefined)),
          undefined,
          mark,
        );
        if (answer.op === 'error') return fail(answer);
        print(describe(answer as RecordingMessage));
        return 0;
      } finally {
        link.close();
      }

      function fail(e: ErrorMessage): number {
        printError(`cellkit record: ${e.code}: ${e.message}${e.tip ? `\n  → ${e.tip}` : ''}`);
        return 1;
      }
    },
  };
}

export const recordCommand: Command = createRecordCommand();

function describe(m: RecordingMessage): string {
  const problems = m.problems.map((p) => `\n  ${p.severity}: ${p.message} → ${p.tip}`).join('');
  if (m.state !== 'idle') {
    const flags = m.quality?.flags.length ? `; quality: ${m.quality.flags.join('; ')}` : '';
    return `${m.state} episode ${m.episode} of ${m.dataset} (${m.task}), ${(m.elapsed ?? 0).toFixed(1)} s${flags}${problems}`;
  }
  const last = m.last ? `last: episode ${m.last.episode} of ${m.last.dataset}, ${m.last.outcome ?? 'no outcome'}, ${m.last.status}${m.last.duration === null ? '' : `, ${m.last.duration.toFixed(1)} s`}${m.last.error ? ` — ${m.last.error}` : ''}` : 'nothing recorded yet';
  return `idle; ${last}${problems}`;
}

/** One websocket to the bridge, keeping every message so a wait can start from a mark. */
class BridgeLink {
  readonly #messages: ServerMessage[] = [];
  #wake = (): void => {};
  #closed?: string;

  private constructor(private readonly ws: WebSocket, private readonly timeout: number) {
    ws.on('message', (data: Buffer) => {
      this.#messages.push(packr.unpack(data) as ServerMessage);
      this.#wake();
    });
    ws.on('close', (code, reason) => {
      this.#closed = `the bridge closed the connection (${code} ${reason.toString()})`;
      this.#wake();
    });
  }

  static open(url: string, timeout: number): Promise<BridgeLink> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const timer = setTimeout(() => (ws.terminate(), reject(new Error(`no answer from ${url} within ${timeout} s; is the bridge running there?`))), timeout * 1000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(new BridgeLink(ws, timeout));
      });
      ws.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`could not connect to ${url}: ${e.message}; is the bridge running (cellkit start)?`));
      });
    });
  }

  send(msg: ClientMessage): void {
    this.ws.send(packr.pack(msg));
  }

  mark(): number {
    return this.#messages.length;
  }

  next<T extends ServerMessage = ServerMessage>(pred: (m: ServerMessage) => boolean, timeout = this.timeout, from = 0): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the bridge within ${timeout} s`)), timeout * 1000);
      this.#wake = () => {
        const found = this.#messages.slice(from).find(pred);
        if (found) {
          clearTimeout(timer);
          resolve(found as T);
        } else if (this.#closed) {
          clearTimeout(timer);
          reject(new Error(this.#closed));
        }
      };
      this.#wake();
    });
  }

  close(): void {
    this.ws.close();
  }
}
