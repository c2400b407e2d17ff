/**
 * Comparing a re-executed checkpoint with the one a submitter committed, under the spec's tolerance: "exact" needs
 * the same sha256; "relativeL2" accepts ||a - b|| / ||b|| <= epsilon over all tensors (safetensors, F32), so a
 * re-execution on other kernels is voted right while a result trained differently is not.
 */
import { createHash } from "node:crypto";
import type { VerificationTolerance } from "@neural/sdk";

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** Reads a safetensors file (F32 tensors only). Throws on a malformed file. */
export function parseSafetensors(bytes: Uint8Array): Map<string, Tensor> {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.length < 8) throw new Error("not a safetensors file: shorter than its header length");
  const n = Number(view.readBigUInt64LE(0));
  if (8 + n > view.length) throw new Error("not a safetensors file: header past the end");
  const header = JSON.parse(view.subarray(8, 8 + n).toString("utf8")) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + n;
  const out = new Map<string, Tensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    if (info.dtype !== "F32") throw new Error(`tensor ${name} is ${info.dtype}; only F32 is compared`);
    const [start, end] = info.data_offsets;
    const raw = view.subarray(base + start, base + end);
    const data = new Float32Array(raw.length / 4);
    for (let i = 0; i < data.length; i++) data[i] = raw.readFloatLE(i * 4);
    out.set(name, { shape: info.shape, data });
  }
  return out;
}

/** ||a - b|| / ||b|| over every tensor; Infinity when the tensors do not correspond. */
export function relativeL2(a: Map<string, Tensor>, b: Map<string, Tensor>): number {
  if (a.size !== b.size) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let norm = 0;
  for (const [name, tb] of b) {
    const ta = a.get(name);
    if (!ta || ta.data.length !== tb.data.length || ta.shape.join() !== tb.shape.join()) {
      return Number.POSITIVE_INFINITY;
    }
    for (let i = 0; i < tb.data.length; i++) {
      const d = (ta.data[i] as number) - (tb.data[i] as number);
      diff += d * d;
      norm += (tb.data[i] as number) ** 2;
    }
  }
  return norm === 0 ? (diff === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.sqrt(diff) / Math.sqrt(norm);
}

export const sha256Hex = (bytes: Uint8Array): `0x${string}` =>
  `0x${createHash("sha256").update(bytes).digest("hex")}`;

export interface Judgement {
  right: boolean;
  /** Bit-identical to the committed checkpoint. */
  identical: boolean;
  /** relativeL2 distance, when it was computed. */
  distance?: number;
}

/**
 * Judges the submitter's checkpoint `committed` (its bytes, which must hash to `committedHash`) against our
 * re-execution `ours`. A committed file that does not hash to its leaf is wrong.
 */
export function judge(
  tolerance: VerificationTolerance,
  committedHash: string,
  committed: Uint8Array | undefined,
  ours: Uint8Array,
): Judgement {
  const identical = sha256Hex(ours) === committedHash;
  if (identical || tolerance.kind === "exact") return { right: identical, identical };
  if (!committed || sha256Hex(committed) !== committedHash) return { right: false, identical };
  let distance: number;
  try {
    distance = relativeL2(parseSafetensors(committed), parseSafetensors(ours));
  } catch {
    return { right: false, identical };
  }
  return { right: distance <= tolerance.epsilon, identical, distance };
}
