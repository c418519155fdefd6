/**
 * Codes of `error` messages from the server. Stable strings the UI can
 * branch on; the accompanying `message` is for people. A refusal from the
 * control layer passes its own code through (e.g. `estopped`, `gate_closed`),
 * so `ErrorMessage.code` is an `ErrorCode` or such a code.
 */
export const ERROR_CODES = {
  /** The frame is not one MessagePack value in a binary frame. */
  badFrame: 'bad_frame',
  /** Decoded, but not a valid message: wrong type, range, length or extra field. */
  invalidMessage: 'invalid_message',
  /** `op` is not one this protocol version knows. */
  unknownOp: 'unknown_op',
  /** The client sent more messages per second than `limits.maxMessagesPerSecond`. */
  rateLimited: 'rate_limited',
  /** Anything but `hello` before the server's `welcome`. */
  helloRequired: 'hello_required',
  /** A second `hello` on the same connection. */
  alreadyWelcomed: 'already_welcomed',
  /** `hello.version` is not the server's `PROTOCOL_VERSION`; the server closes. */
  versionMismatch: 'version_mismatch',
  /** No or an invalid token where one is required; the server closes. */
  unauthorized: 'unauthorized',
  /** The client's role may not do this. */
  forbidden: 'forbidden',
  /** `subscribe` named a stream the cell does not have (e.g. an unknown camera). */
  unknownStream: 'unknown_stream',
  /** `teleop.joints` with a velocity count different from the cell's joints. */
  wrongJointCount: 'wrong_joint_count',
  /** Teleop or release without holding the lease. */
  notLeaseHolder: 'not_lease_holder',
  /** `lease.acquire` while another client holds it. */
  leaseHeld: 'lease_held',
  /** The cell lacks what the request needs (e.g. `teleop.gripper` without a gripper). */
  unsupported: 'unsupported',
  /** The op is reserved in the protocol but not served yet (record, policy). */
  notImplemented: 'not_implemented',
  /** The server failed; the message says what happened. */
  internal: 'internal',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
