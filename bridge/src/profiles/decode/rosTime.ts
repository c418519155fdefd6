/**
 * ROS time in messages. ROS 2 (builtin_interfaces/Time) is `{sec, nanosec}`,
 * ROS 1 is `{secs, nsecs}`; rosbridge passes both through as they are.
 */
export type RosVersion = 1 | 2;

export type Ros2Time = { sec: number; nanosec: number };
export type Ros1Time = { secs: number; nsecs: number };

/** Epoch seconds from a ROS 1 or ROS 2 time; undefined if neither shape or not finite. */
export function fromRosTime(t: unknown): number | undefined {
  if (typeof t !== 'object' || t === null) return undefined;
  const r = t as Record<string, unknown>;
  const s = r.sec ?? r.secs;
  const ns = r.nanosec ?? r.nsecs ?? 0;
  if (typeof s !== 'number' || typeof ns !== 'number') return undefined;
  const v = s + ns * 1e-9;
  return Number.isFinite(v) ? v : undefined;
}

/** Epoch seconds → ROS time of the given version, nanoseconds rounded without float drift. */
export function toRosTime(t: number, version: RosVersion): Ros1Time | Ros2Time {
  let sec = Math.floor(t);
  let ns = Math.round((t - sec) * 1e9);
  if (ns >= 1e9) (sec += 1), (ns = 0);
  if (ns < 0) ns = 0;
  return version === 1 ? { secs: sec, nsecs: ns } : { sec, nanosec: ns };
}

/**
 * The stamp of a message's `header`, or `fallback` when it has none or it is
 * zero (drivers that leave stamps unset): a zero stamp would make the cell's
 * clock jump back to 1970 and every command look 50 years stale.
 */
export function headerStamp(msg: unknown, fallback: number): number {
  const header = (msg as { header?: { stamp?: unknown } } | undefined)?.header;
  const t = fromRosTime(header?.stamp);
  return t === undefined || t === 0 ? fallback : t;
}
