// The "ROS graph" of the simulated cell: which topics and services exist,
// their types, who publishes, who subscribes. Real rosbridge asks the ROS
// middleware; here the graph is this in-memory table, shared by the cell's
// own publishers/handlers and every connected client.
import type { ClientSubscription } from './ClientSubscription.ts';
import type { MessageCodec } from './MessageCodec.ts';
import { normalizeTypeName } from './MessageSchemas.ts';
import { OutgoingMessage } from './OutgoingMessage.ts';

/** Who sent a message: a connected client, or the cell itself (undefined). */
export interface ClientInfo {
  /** Server-unique, increasing from 1. */
  id: number;
  /** Remote address of the websocket. */
  address: string;
}

export type CellHandler = (msg: unknown, client: ClientInfo | undefined) => void;

export interface TopicEntry {
  name: string;
  type: string;
  latched: boolean;
  lastMessage?: OutgoingMessage;
  cellPublishers: number;
  /** Client id -> its advertise ids (rosbridge Registration). */
  clientPublishers: Map<number, Set<string>>;
  cellHandlers: Set<CellHandler>;
  subscriptions: Set<ClientSubscription>;
}

export interface ServiceEntry {
  name: string;
  type: string;
  /** The cell serves it... */
  cellHandler?: (req: unknown) => unknown;
  /** ...or a client that sent advertise_service does. */
  clientId?: number;
}

/** A request the graph cannot satisfy; the message is what rosbridge says. */
export class GraphError extends Error {}

/**
 * `joint_states` and `/joint_states` are the same ROS 2 topic: rclpy resolves
 * relative names against rosbridge's namespace `/`. Names are checked cheaply
 * against the ROS 2 rules so a typo fails loudly instead of creating a topic.
 */
export function resolveName(name: string, what: 'topic' | 'service'): string {
  const full = name.startsWith('/') ? name : `/${name}`;
  if (!/^(\/[A-Za-z_~][A-Za-z0-9_]*)+$/.test(full)) {
    throw new GraphError(
      `Invalid ${what} name '${name}': expected '/'-separated tokens of letters, digits and '_' (like /joint_states)`,
    );
  }
  return full;
}

export class RosGraph {
  readonly topics = new Map<string, TopicEntry>();
  readonly services = new Map<string, ServiceEntry>();

  constructor(readonly codec: MessageCodec) {}

  /** Find or create a topic; a different type for an existing topic is an error, as in ROS. */
  topic(name: string, type: string | undefined): TopicEntry {
    let entry = this.topics.get(name);
    if (entry) {
      if (type !== undefined && normalizeTypeName(type) !== entry.type) {
        throw new GraphError(
          `Tried to register topic ${name} with type ${normalizeTypeName(type)} but it is already established with type ${entry.type}`,
        );
      }
      return entry;
    }
    if (type === undefined) {
      throw new GraphError(`Cannot infer topic type for topic ${name} as it is not yet advertised`);
    }
    entry = {
      name,
      type: normalizeTypeName(type),
      latched: false,
      cellPublishers: 0,
      clientPublishers: new Map(),
      cellHandlers: new Set(),
      subscriptions: new Set(),
    };
    this.topics.set(name, entry);
    return entry;
  }

  /** Forget a topic nobody publishes or subscribes to any more (it leaves `/rosapi/topics`). */
  prune(entry: TopicEntry): void {
    if (
      entry.cellPublishers === 0 &&
      entry.clientPublishers.size === 0 &&
      entry.cellHandlers.size === 0 &&
      entry.subscriptions.size === 0
    ) {
      this.topics.delete(entry.name);
    }
  }

  /**
   * Deliver one message to every subscriber: cell handlers get the message
   * object, clients get frames encoded at most once per compression.
   * Returns the errors thrown by cell handlers (the caller logs them).
   */
  deliver(entry: TopicEntry, msg: unknown, from: ClientInfo | undefined): Error[] {
    const out = new OutgoingMessage(msg, entry.type, this.codec);
    if (entry.latched) entry.lastMessage = out;
    const errors: Error[] = [];
    for (const handler of entry.cellHandlers) {
      try {
        handler(msg, from);
      } catch (err) {
        errors.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    for (const sub of entry.subscriptions) {
      try {
        sub.offer(out);
      } catch (err) {
        // An encoding failure is the publisher's fault; report it once.
        errors.push(err instanceof Error ? err : new Error(String(err)));
        break;
      }
    }
    return errors;
  }
}
