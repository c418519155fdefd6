// A tiny WebAssembly binary assembler for our hand-written SIMD kernels
// (filterGradSimd.ts, spatialSoftmaxSimd.ts). There is no wasm toolchain in
// this repo, so modules are emitted byte by byte (binary format 1.0 +
// SIMD128). Opcodes are named like the text format (f32x4.add → f32x4Add).

export const I32 = 0x7f;
export const V128 = 0x7b;
export const F32 = 0x7d;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const str = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

// Instructions.
export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const tee = (i: number): number[] => [0x22, ...uleb(i)];
export const i32c = (v: number): number[] => [0x41, ...sleb(v)];
export const add = [0x6a];
export const sub = [0x6b];
export const mul = [0x6c];
export const eqz = [0x45];
export const v128Load = (offset: number): number[] => [0xfd, 0x00, 0x04, ...uleb(offset)];
export const v128Store = (offset: number): number[] => [0xfd, 0x0b, 0x04, ...uleb(offset)];
export const load32Splat = (offset: number): number[] => [0xfd, 0x09, 0x02, ...uleb(offset)];
export const f32x4Add = [0xfd, 0xe4, 0x01];
export const f32x4Mul = [0xfd, 0xe6, 0x01];
export const f32x4Sub = [0xfd, 0xe5, 0x01];
export const f32x4Div = [0xfd, 0xe7, 0x01];
export const f32x4Sqrt = [0xfd, 0xe3, 0x01];
export const f32x4Splat = [0xfd, 0x13];
/** `for (counter = get(n); counter != 0; counter--) body`, as block + loop. */
export function countdown(counter: number, n: number[], body: number[]): number[] {
  return [
    0x02, 0x40, // block
    ...n, ...tee(counter), ...eqz, 0x0d, 0x00, // br_if 0: leave when n == 0
    0x03, 0x40, // loop
    ...body,
    ...get(counter), ...i32c(1), ...sub, ...tee(counter), 0x0d, 0x00, // br_if 0: repeat while counter != 0
    0x0b, // end loop
    0x0b, // end block
  ];
}


// More SIMD instructions (opcode after the 0xfd prefix, LEB128-encoded).
export const simdOp = (op: number): number[] => [0xfd, ...uleb(op)];
const simd = simdOp;
export const f32x4Nearest = simd(0x6a);
export const f32x4Max = simd(0xe9);
/** Pseudo-max b < a ? a : b: one maxps on x64 (f32x4.max adds NaN/±0 fix-ups). */
export const f32x4Pmax = simd(0xeb);
export const i32x4Add = simd(0xae);
export const i32x4Shl = simd(0xab);
export const i32x4TruncSatF32x4S = simd(0xf8);
export const f32x4Load = v128Load;
export const f32Load = (offset: number): number[] => [0x2a, 0x02, ...uleb(offset)];
export const f32Store = (offset: number): number[] => [0x38, 0x02, ...uleb(offset)];
export const f32c = (v: number): number[] => { const b = new Uint8Array(new Float32Array([v]).buffer); return [0x43, ...b]; };
/** v128.const with four equal f32 lanes. */
export const f32x4Const = (v: number): number[] => { const b = new Uint8Array(new Float32Array([v, v, v, v]).buffer); return [0xfd, 0x0c, ...b]; };
export const i32x4Const = (v: number): number[] => { const b = new Uint8Array(new Int32Array([v, v, v, v]).buffer); return [0xfd, 0x0c, ...b]; };
export const f32x4ExtractLane = (lane: number): number[] => [0xfd, 0x1f, lane];
