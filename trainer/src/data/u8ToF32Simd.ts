// Bytes → floats in [0, 1] as a small SIMD wasm kernel, for the random-shift
// augmentation (randomShift.ts): per 16 source bytes, widen u8 → u16 → u32,
// convert to f32 and divide by 255. A correctly rounded f32 division v / 255
// equals the float64 division rounded to float32 (what `out[i] = v / 255`
// stores into a Float32Array; double rounding is innocuous for division), so
// the result is bit-identical to the JS formula — the tests check all 256 values.
//
//   convert(src, dst, vecs): for vecs 16-byte vectors at src (bytes), writes
//   16·vecs floats at dst (both byte addresses into the kernel's own memory).
import { add, countdown, f32x4Const, f32x4Div, get, I32, i32c, section, set, simdOp, str, uleb, V128, v128Load, v128Store, vec } from '../backend/wasmAsm.ts';

const A = { src: 0, dst: 1, vecs: 2 };
const L = { k: 3, v: 4, half: 5 };

const i16x8ExtendLowU8 = simdOp(0x89);
const i16x8ExtendHighU8 = simdOp(0x8a);
const i32x4ExtendLowU16 = simdOp(0xa9);
const i32x4ExtendHighU16 = simdOp(0xaa);
const f32x4ConvertU32 = simdOp(0xfb);

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const bump = (local: number, bytes: number): number[] => [...get(local), ...i32c(bytes), ...add, ...set(local)];
  // Four floats from one u32x4 on the stack: convert and divide by 255.
  const toF = [...f32x4ConvertU32, ...f32x4Const(255), ...f32x4Div];
  const storeQuarter = (widen: number[], offset: number): number[] => [
    ...get(A.dst), ...get(L.half), ...widen, ...toF, ...v128Store(offset),
  ];
  const body = [
    ...get(A.src), ...v128Load(0), ...set(L.v),
    ...get(L.v), ...i16x8ExtendLowU8, ...set(L.half),
    ...storeQuarter(i32x4ExtendLowU16, 0), ...storeQuarter(i32x4ExtendHighU16, 16),
    ...get(L.v), ...i16x8ExtendHighU8, ...set(L.half),
    ...storeQuarter(i32x4ExtendLowU16, 32), ...storeQuarter(i32x4ExtendHighU16, 48),
    ...bump(A.src, 16), ...bump(A.dst, 64),
  ];
  const type = section(1, vec([[0x60, ...vec(Array.from({ length: Object.keys(A).length }, () => [I32])), ...vec([])]]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str('convert'), 0x00, ...uleb(0)]]));
  const code0 = [...vec([[...uleb(1), I32], [...uleb(2), V128]]), ...countdown(L.k, get(A.vecs), body), 0x0b];
  const code = section(10, vec([[...uleb(code0.length), ...code0]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

/** A kernel instance with its own memory; views are refreshed when it grows. */
export class U8ToF32 {
  private readonly memory: WebAssembly.Memory;
  private readonly convertFn: (src: number, dst: number, vecs: number) => void;
  u8: Uint8Array;
  f32: Float32Array;

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()), { env: { memory: this.memory } });
    this.convertFn = inst.exports.convert as (src: number, dst: number, vecs: number) => void;
    this.u8 = new Uint8Array(this.memory.buffer);
    this.f32 = new Float32Array(this.memory.buffer);
  }

  /** Makes the memory at least `bytes` long. */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    this.memory.grow(Math.ceil((bytes - have) / 65536));
    this.u8 = new Uint8Array(this.memory.buffer);
    this.f32 = new Float32Array(this.memory.buffer);
  }

  /** Floats at byte address dst (16-aligned) ← bytes at src, in whole 16-byte vectors. */
  convert(src: number, dst: number, vecs: number): void {
    this.convertFn(src, dst, vecs);
  }
}

let shared: U8ToF32 | null | undefined;

/** The shared kernel, or null where wasm SIMD is unavailable. */
export function u8ToF32Kernel(): U8ToF32 | null {
  if (shared === undefined) {
    try {
      shared = new U8ToF32();
    } catch {
      shared = null;
    }
  }
  return shared;
}
