// Hand-assembled WebAssembly SIMD kernels for the spatial softmax
// (policies/chunk/spatialSoftmaxOp.ts has the maths), instantiated on the wasm
// backend's memory like filterGradSimd.ts. Why: built from tfjs ops, the
// forward and its autodiff were ~40 kernels per camera over [B, H·W, C]
// arrays (scalar Exp alone 1.6 ms per camera, Sum's gradient materialising a
// ones tensor in JS), ~12 ms of a 110 ms chunk step; these two passes do the
// same work in well under 1 ms (measured).
//
// Layout: x, p, dx are [B, N, C] (N = H·W pixels, C % 4 == 0), keypoints
// [B, 2C] = [x_1 … x_C, y_1 … y_C], `pos` the N pixel coordinates interleaved
// (X_0, Y_0, X_1, Y_1, …). Each works on 4 channels at a time, walking the N
// pixels with the channel block's running max / sums in registers.
import {
  add, countdown, F32, f32x4Add, f32x4Const, f32x4Div, f32x4Mul, f32x4Nearest, f32x4Pmax, f32x4Splat, f32x4Sub,
  get, I32, i32c, i32x4Add, i32x4Const, i32x4Shl, load32Splat, mul, section, set, str, uleb, V128,
  v128Load, v128Store, vec,
} from './wasmAsm.ts';

/**
 * exp of the f32x4 on the stack, for arguments ≤ 0 (it clamps below −87: the
 * result is then ~1e-38, i.e. 0 for a softmax). 2^n · P6(r) with
 * n = round(v·log2 e), r = v − n·ln 2 in two parts (Cephes), P6 the degree-6
 * Taylor polynomial: relative error ≤ 2e-7 over the range. Uses locals t, n.
 */
/** 1.5·2^23: added to an integral float |n| < 2^22, leaves n in the low mantissa bits. */
const EXP_MAGIC = 12582912;

function exp(t: number, n: number): number[] {
  const coeffs = [1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1];
  const out = [
    ...f32x4Const(-87), ...f32x4Pmax, ...set(t),
    ...get(t), ...f32x4Const(Math.LOG2E), ...f32x4Mul, ...f32x4Nearest, ...set(n),
    ...get(t), ...get(n), ...f32x4Const(0.693359375), ...f32x4Mul, ...f32x4Sub,
    ...get(n), ...f32x4Const(-2.12194440e-4), ...f32x4Mul, ...f32x4Sub, ...set(t),
    ...f32x4Const(coeffs[0]),
  ];
  for (const c of coeffs.slice(1)) out.push(...get(t), ...f32x4Mul, ...f32x4Const(c), ...f32x4Add);
  // · 2^n: (n + 127) << 23 is the float 2^n's bit pattern. n is an integral
  // float in [−126, 0], so the bits of n + 1.5·2^23 are 0x4B400000 + n: an
  // f32 and an i32 add instead of i32x4.trunc_sat_f32x4_s (a long sequence
  // on x64), the same bits.
  out.push(...get(n), ...f32x4Const(EXP_MAGIC), ...f32x4Add, ...i32x4Const(127 - 0x4b400000), ...i32x4Add, ...i32c(23), ...i32x4Shl, ...f32x4Mul);
  return out;
}

// forward(x, p, kp, pos, B, N, cBlocks, invT): p = softmax over N of x·invT, kp = Σ p·pos.
const F = { x: 0, p: 1, kp: 2, pos: 3, B: 4, N: 5, cBlocks: 6, invT: 7 };
const FL = { b: 8, cb: 9, n: 10, xb: 11, pb: 12, kb: 13, xp: 14, pp: 15, posp: 16, co: 17, row: 18 };
const FV = { invT: 19, m: 20, s: 21, sx: 22, sy: 23, e: 24, t: 25, nn: 26, r: 27 };

function forwardBody(): number[] {
  const maxPass = countdown(FL.n, get(F.N), [
    ...get(FV.m), ...get(FL.xp), ...v128Load(0), ...get(FV.invT), ...f32x4Mul, ...f32x4Pmax, ...set(FV.m),
    ...get(FL.xp), ...get(FL.row), ...add, ...set(FL.xp),
  ]);
  const expPass = countdown(FL.n, get(F.N), [
    ...get(FL.pp),
    ...get(FL.xp), ...v128Load(0), ...get(FV.invT), ...f32x4Mul, ...get(FV.m), ...f32x4Sub, ...exp(FV.t, FV.nn), ...set(FV.e),
    ...get(FV.e), ...v128Store(0),
    ...get(FV.s), ...get(FV.e), ...f32x4Add, ...set(FV.s),
    ...get(FV.sx), ...get(FV.e), ...get(FL.posp), ...load32Splat(0), ...f32x4Mul, ...f32x4Add, ...set(FV.sx),
    ...get(FV.sy), ...get(FV.e), ...get(FL.posp), ...load32Splat(4), ...f32x4Mul, ...f32x4Add, ...set(FV.sy),
    ...get(FL.xp), ...get(FL.row), ...add, ...set(FL.xp),
    ...get(FL.pp), ...get(FL.row), ...add, ...set(FL.pp),
    ...get(FL.posp), ...i32c(8), ...add, ...set(FL.posp),
  ]);
  const normalizePass = countdown(FL.n, get(F.N), [
    ...get(FL.pp), ...get(FL.pp), ...v128Load(0), ...get(FV.r), ...f32x4Mul, ...v128Store(0),
    ...get(FL.pp), ...get(FL.row), ...add, ...set(FL.pp),
  ]);
  const block = [
    ...f32x4Const(-3.4e38), ...set(FV.m),
    ...get(FL.xb), ...get(FL.co), ...add, ...set(FL.xp),
    ...maxPass,
    ...f32x4Const(0), ...set(FV.s), ...f32x4Const(0), ...set(FV.sx), ...f32x4Const(0), ...set(FV.sy),
    ...get(FL.xb), ...get(FL.co), ...add, ...set(FL.xp),
    ...get(FL.pb), ...get(FL.co), ...add, ...set(FL.pp),
    ...get(F.pos), ...set(FL.posp),
    ...expPass,
    ...f32x4Const(1), ...get(FV.s), ...f32x4Div, ...set(FV.r),
    ...get(FL.kb), ...get(FL.co), ...add, ...get(FV.sx), ...get(FV.r), ...f32x4Mul, ...v128Store(0),
    ...get(FL.kb), ...get(FL.co), ...add, ...get(FL.row), ...add, ...get(FV.sy), ...get(FV.r), ...f32x4Mul, ...v128Store(0),
    ...get(FL.pb), ...get(FL.co), ...add, ...set(FL.pp),
    ...normalizePass,
    ...get(FL.co), ...i32c(16), ...add, ...set(FL.co),
  ];
  const batch = [
    ...i32c(0), ...set(FL.co),
    ...countdown(FL.cb, get(F.cBlocks), block),
    ...get(FL.xb), ...get(F.N), ...get(FL.row), ...mul, ...add, ...set(FL.xb),
    ...get(FL.pb), ...get(F.N), ...get(FL.row), ...mul, ...add, ...set(FL.pb),
    ...get(FL.kb), ...get(FL.row), ...i32c(2), ...mul, ...add, ...set(FL.kb),
  ];
  return [
    ...get(F.cBlocks), ...i32c(16), ...mul, ...set(FL.row),
    ...get(F.invT), ...f32x4Splat, ...set(FV.invT),
    ...get(F.x), ...set(FL.xb), ...get(F.p), ...set(FL.pb), ...get(F.kp), ...set(FL.kb),
    ...countdown(FL.b, get(F.B), batch),
  ];
}

// backward(dy, p, kp, x, dx, pos, B, N, cBlocks, invT, acc):
//   d = p · (gx·X + gy·Y − (gx·kx + gy·ky));  dx = d·invT;  acc (4 lanes) = Σ d·x
const G = { dy: 0, p: 1, kp: 2, x: 3, dx: 4, pos: 5, B: 6, N: 7, cBlocks: 8, invT: 9, acc: 10 };
const GL = { b: 11, cb: 12, n: 13, co: 14, row: 15, boff: 16, off: 17, posp: 18, kb: 19 };
const GV = { invT: 20, gx: 21, gy: 22, c0: 23, d: 24, accT: 25 };

function backwardBody(): number[] {
  const at = (base: number): number[] => [...get(base), ...get(GL.off), ...add];
  const pixel = [
    ...at(G.p), ...v128Load(0),
    ...get(GV.gx), ...get(GL.posp), ...load32Splat(0), ...f32x4Mul,
    ...get(GV.gy), ...get(GL.posp), ...load32Splat(4), ...f32x4Mul, ...f32x4Add,
    ...get(GV.c0), ...f32x4Sub, ...f32x4Mul, ...set(GV.d),
    ...at(G.dx), ...get(GV.d), ...get(GV.invT), ...f32x4Mul, ...v128Store(0),
    ...get(GV.accT), ...get(GV.d), ...at(G.x), ...v128Load(0), ...f32x4Mul, ...f32x4Add, ...set(GV.accT),
    ...get(GL.off), ...get(GL.row), ...add, ...set(GL.off),
    ...get(GL.posp), ...i32c(8), ...add, ...set(GL.posp),
  ];
  const kAt = (base: number, second: boolean): number[] => [...get(base), ...get(GL.kb), ...add, ...get(GL.co), ...add, ...(second ? [...get(GL.row), ...add] : [])];
  const block = [
    ...kAt(G.dy, false), ...v128Load(0), ...set(GV.gx),
    ...kAt(G.dy, true), ...v128Load(0), ...set(GV.gy),
    ...get(GV.gx), ...kAt(G.kp, false), ...v128Load(0), ...f32x4Mul,
    ...get(GV.gy), ...kAt(G.kp, true), ...v128Load(0), ...f32x4Mul, ...f32x4Add, ...set(GV.c0),
    ...get(GL.boff), ...get(GL.co), ...add, ...set(GL.off),
    ...get(G.pos), ...set(GL.posp),
    ...countdown(GL.n, get(G.N), pixel),
    ...get(GL.co), ...i32c(16), ...add, ...set(GL.co),
  ];
  const batch = [
    ...i32c(0), ...set(GL.co),
    ...countdown(GL.cb, get(G.cBlocks), block),
    ...get(GL.boff), ...get(G.N), ...get(GL.row), ...mul, ...add, ...set(GL.boff),
    ...get(GL.kb), ...get(GL.row), ...i32c(2), ...mul, ...add, ...set(GL.kb),
  ];
  return [
    ...get(G.cBlocks), ...i32c(16), ...mul, ...set(GL.row),
    ...get(G.invT), ...f32x4Splat, ...set(GV.invT),
    ...f32x4Const(0), ...set(GV.accT),
    ...i32c(0), ...set(GL.boff), ...i32c(0), ...set(GL.kb),
    ...countdown(GL.b, get(G.B), batch),
    ...get(G.acc), ...get(GV.accT), ...v128Store(0),
  ];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fnType = (params: number[]): number[] => [0x60, ...vec(params.map((p) => [p])), ...vec([])];
  const type = section(1, vec([
    fnType([I32, I32, I32, I32, I32, I32, I32, F32]),
    fnType([I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, I32]),
  ]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0), uleb(1)]));
  const exports = section(7, vec([[...str('forward'), 0x00, ...uleb(0)], [...str('backward'), 0x00, ...uleb(1)]]));
  const fn = (locals: number[][], body: number[]): number[] => {
    const bytes = [...vec(locals), ...body, 0x0b];
    return [...uleb(bytes.length), ...bytes];
  };
  const code = section(10, vec([
    fn([[...uleb(11), I32], [...uleb(9), V128]], forwardBody()),
    fn([[...uleb(9), I32], [...uleb(6), V128]], backwardBody()),
  ]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

export type SoftmaxForward = (x: number, p: number, kp: number, pos: number, B: number, N: number, cBlocks: number, invT: number) => void;
export type SoftmaxBackward = (dy: number, p: number, kp: number, x: number, dx: number, pos: number, B: number, N: number, cBlocks: number, invT: number, acc: number) => void;
export interface SpatialSoftmaxKernels { forward: SoftmaxForward; backward: SoftmaxBackward }

const instances = new WeakMap<WebAssembly.Memory, SpatialSoftmaxKernels>();
let compiled: WebAssembly.Module | null = null;

/** The kernels bound to `memory` (the wasm backend's heap); compiled once, instantiated once per memory. */
export function spatialSoftmaxKernels(memory: WebAssembly.Memory): SpatialSoftmaxKernels {
  let k = instances.get(memory);
  if (k == null) {
    compiled ??= new WebAssembly.Module(moduleBytes());
    const e = new WebAssembly.Instance(compiled, { env: { memory } }).exports;
    k = { forward: e.forward as SoftmaxForward, backward: e.backward as SoftmaxBackward };
    instances.set(memory, k);
  }
  return k;
}
