/**
 * Constants every peer of the bridge's browser protocol agrees on. This
 * folder has no runtime dependencies: the React UI imports it as is.
 */

/**
 * Bumped on any change a peer of the previous version would misread. The
 * server refuses a `hello` with another version (`version_mismatch`) rather
 * than guess: a misread teleop frame moves a robot.
 */
export const PROTOCOL_VERSION = 1;

/** The WebSocket path on the bridge's HTTP port. */
export const WS_PATH = '/ws';

/**
 * msgpackr options both ends use: plain MessagePack maps, no msgpackr
 * "records" extension (it needs shared structure state and other MessagePack
 * libraries cannot read it), and fields whose value is `undefined` left out
 * (msgpackr would otherwise write a non-standard extension for them). Pass
 * to `new Packr({ ...MSGPACK_OPTIONS })`.
 */
export const MSGPACK_OPTIONS: { useRecords: false; skipValues: unknown[] } = { useRecords: false, skipValues: [undefined] };

/** WebSocket close codes the server uses (4000–4999 are application codes). */
export const CLOSE_CODES = {
  /** The server is shutting down. */
  goingAway: 1001,
  /** A frame exceeded `limits.maxFrameBytes` (sent by ws itself). */
  messageTooBig: 1009,
  /** `hello` carried no valid token. */
  unauthorized: 4001,
  /** `hello.version` differs from the server's `PROTOCOL_VERSION`. */
  versionMismatch: 4002,
  /** No `hello` arrived in time after connecting. */
  helloTimeout: 4003,
  /** The client read too slowly: its queue of control messages overflowed. */
  tooSlow: 4008,
} as const;

/** Telemetry flush rate when `subscribe.maxRateHz` is absent (Hz). */
export const DEFAULT_RATE_HZ = 30;
/**
 * Bounds of `subscribe.maxRateHz` (Hz). The top is the joint-state rate of a
 * UR (500 Hz): a client that needs the lowest latency (a haptic device, a
 * benchmark) gets every sample as it arrives; a display needs ~30–60 Hz.
 */
export const MIN_RATE_HZ = 0.1;
export const MAX_RATE_HZ = 500;
