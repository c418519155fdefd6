/**
 * A ROS `uint8[]` field as bytes. rosbridge sends it as a base64 string in
 * JSON and as a CBOR byte string (which roslib yields as a Uint8Array) with
 * CBOR; a plain number array is accepted too. Undefined if none of those.
 */
export function decodeBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return base64ToBytes(data);
  if (Array.isArray(data) && data.every((x) => typeof x === 'number')) return Uint8Array.from(data);
  return undefined;
}

function base64ToBytes(s: string): Uint8Array {
  // atob exists in Node >= 16 and browsers; profiles must run in both (no Buffer).
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
