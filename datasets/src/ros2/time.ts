/**
 * Time conversions. cellkit keeps time as float seconds since the Unix epoch in
 * memory and as integer nanoseconds in MCAP; ROS 2 messages carry
 * builtin_interfaces/Time { sec, nanosec }.
 *
 * A float64 holds epoch seconds to ~0.2 µs, far below any sensor period here,
 * so the round trip seconds → ns → seconds is exact to well under 1 µs.
 */

export type Ros2Time = { sec: number; nanosec: number };

/** Float seconds → bigint nanoseconds, rounded to the nearest ns. */
export function secondsToNs(seconds: number): bigint {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`Expected a finite, non-negative time in seconds, found ${seconds}`);
  }
  const whole = Math.floor(seconds);
  const nanos = Math.round((seconds - whole) * 1e9);
  return BigInt(whole) * 1_000_000_000n + BigInt(nanos);
}

/** Bigint nanoseconds → float seconds. */
export function nsToSeconds(ns: bigint): number {
  const whole = ns / 1_000_000_000n;
  return Number(whole) + Number(ns - whole * 1_000_000_000n) / 1e9;
}

export function secondsToRos2Time(seconds: number): Ros2Time {
  const ns = secondsToNs(seconds);
  return { sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) };
}

export function ros2TimeToSeconds(time: Ros2Time): number {
  return time.sec + time.nanosec / 1e9;
}

export function ros2TimeToNs(time: Ros2Time): bigint {
  return BigInt(time.sec) * 1_000_000_000n + BigInt(time.nanosec);
}
