// Checkpoint ⇄ (JSON text, one binary blob). Arrays are replaced in the JSON
// by {offset, length} into the blob, so big weights never go through JSON.
import type { Checkpoint, NamedArray } from './Checkpoint.ts';

interface ArrayRef { name: string; shape: number[]; dtype: 'float32' | 'int32'; offset: number; length: number }

export function serializeCheckpoint(ck: Checkpoint): { json: string; bin: Uint8Array } {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const pack = (arrays: NamedArray[]): ArrayRef[] => arrays.map((a) => {
    const bytes = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength).slice();
    parts.push(bytes);
    const ref = { name: a.name, shape: a.shape, dtype: a.dtype, offset, length: a.data.length };
    offset += bytes.byteLength;
    return ref;
  });
  const doc = {
    ...ck,
    weights: pack(ck.weights),
    bestWeights: ck.bestWeights == null ? null : pack(ck.bestWeights),
    optimizer: pack(ck.optimizer),
    history: { ...ck.history, bestValLoss: Number.isFinite(ck.history.bestValLoss) ? ck.history.bestValLoss : null, valLoss: ck.history.valLoss.map((v) => (Number.isFinite(v) ? v : null)) },
  };
  const bin = new Uint8Array(offset);
  let o = 0;
  for (const p of parts) {
    bin.set(p, o);
    o += p.byteLength;
  }
  return { json: JSON.stringify(doc), bin };
}

export function deserializeCheckpoint(json: string, bin: Uint8Array): Checkpoint {
  const doc = JSON.parse(json);
  if (doc.version !== 1) throw new Error(`checkpoint: expected version 1, found ${doc.version}; start without resume`);
  const unpack = (refs: ArrayRef[]): NamedArray[] => refs.map((r) => {
    if (r.offset + r.length * 4 > bin.byteLength) {
      throw new Error(`checkpoint: array '${r.name}' expected bytes up to ${r.offset + r.length * 4}, found a ${bin.byteLength}-byte file; the checkpoint is truncated`);
    }
    const bytes = bin.slice(r.offset, r.offset + r.length * 4);
    const data = r.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    return { name: r.name, shape: r.shape, dtype: r.dtype, data };
  });
  return {
    ...doc,
    weights: unpack(doc.weights),
    bestWeights: doc.bestWeights == null ? null : unpack(doc.bestWeights),
    optimizer: unpack(doc.optimizer),
    history: {
      ...doc.history,
      bestValLoss: doc.history.bestValLoss ?? Infinity,
      valLoss: doc.history.valLoss.map((v: number | null) => v ?? NaN),
    },
  };
}
