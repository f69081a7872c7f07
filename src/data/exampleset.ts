// Tokenized examples packed into a few typed arrays: how the studio keeps a tokenized dataset in
// its dataset worker (100k examples as six arrays instead of 300k small JS arrays) and hands it to
// the engine worker for training without a copy (the buffers are transferred). The preview reads
// the same arrays the trainer gets, so what the preview shows is what trains.
import { isTrainable } from './prepare';
import { kIgnoreIndex, type Role, type TokenizedExample } from './types';

/** Per-token role codes (index into kRoleCodes) and whether the token is trained (bit 7). */
export const kRoleCodes: readonly (Role | 'template')[] = [
  'template',
  'system',
  'user',
  'assistant',
];
const kTrainedBit = 0x80;

export interface ExampleSet {
  /** Which tokenization made these (data/fingerprint.ts). */
  fingerprint: string;
  count: number;
  /** 1-based row of each example. */
  lines: Int32Array;
  /** Example i's tokens are [offsets[i], offsets[i + 1]). */
  offsets: Int32Array;
  ids: Int32Array;
  /** Per token: role code | 0x80 when trained (label = id), else label -100. */
  marks: Uint8Array;
  /** Tokens before truncation, and trained tokens truncation lost. */
  fullLength: Int32Array;
  truncatedTrained: Int32Array;
}

/** A zeroed set of `n` examples and `total` tokens, to be filled in. */
function emptySet(fingerprint: string, n: number, total: number): ExampleSet {
  return {
    fingerprint,
    count: n,
    lines: new Int32Array(n),
    offsets: new Int32Array(n + 1),
    ids: new Int32Array(total),
    marks: new Uint8Array(total),
    fullLength: new Int32Array(n),
    truncatedTrained: new Int32Array(n),
  };
}

export function packExamples(
  examples: readonly TokenizedExample[],
  fingerprint: string,
): ExampleSet {
  const n = examples.length;
  let total = 0;
  for (const e of examples) total += e.inputIds.length;
  const set = emptySet(fingerprint, n, total);
  let at = 0;
  examples.forEach((e, i) => {
    set.lines[i] = e.line;
    set.offsets[i] = at;
    set.fullLength[i] = e.fullLength;
    set.truncatedTrained[i] = e.truncatedTrainedTokens;
    for (let t = 0; t < e.inputIds.length; t++) {
      if (e.labels[t] !== kIgnoreIndex && e.labels[t] !== e.inputIds[t]) {
        throw new Error(`line ${e.line}: label ${t} is neither -100 nor the token's own id`);
      }
      set.ids[at + t] = e.inputIds[t];
      const role = Math.max(0, kRoleCodes.indexOf(e.roles[t] ?? 'template'));
      set.marks[at + t] = role | (e.labels[t] !== kIgnoreIndex ? kTrainedBit : 0);
    }
    at += e.inputIds.length;
  });
  set.offsets[n] = at;
  return set;
}

/** Example i of the set, as the tokenizer made it. */
export function exampleAt(set: ExampleSet, i: number): TokenizedExample {
  const a = set.offsets[i];
  const b = set.offsets[i + 1];
  const inputIds = Array.from(set.ids.subarray(a, b));
  const marks = set.marks.subarray(a, b);
  const ex: TokenizedExample = {
    line: set.lines[i],
    inputIds,
    labels: inputIds.map((id, t) => (marks[t] & kTrainedBit ? id : kIgnoreIndex)),
    roles: Array.from(marks, (m) => kRoleCodes[m & 0x7f] ?? 'template'),
    fullLength: set.fullLength[i],
    truncatedTrainedTokens: set.truncatedTrained[i],
  };
  return ex;
}

/** The trainable examples of a set, in row order. */
export function trainableExamples(set: ExampleSet): TokenizedExample[] {
  const out: TokenizedExample[] = [];
  for (let i = 0; i < set.count; i++) {
    const ex = exampleAt(set, i);
    if (isTrainable(ex)) out.push(ex);
  }
  return out;
}

/** The buffers to transfer with postMessage. */
export function exampleSetBuffers(set: ExampleSet): ArrayBuffer[] {
  return [set.lines, set.offsets, set.ids, set.marks, set.fullLength, set.truncatedTrained].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/** Builds an ExampleSet one example at a time (growing buffers: no second copy of the dataset). */
export class ExampleSetBuilder {
  private lines: number[] = [];
  private offsets: number[] = [0];
  private fullLength: number[] = [];
  private truncated: number[] = [];
  private ids = new Int32Array(1 << 16);
  private marks = new Uint8Array(1 << 16);
  private used = 0;

  get count(): number {
    return this.lines.length;
  }

  push(e: TokenizedExample): number {
    const n = e.inputIds.length;
    if (this.used + n > this.ids.length) {
      let cap = this.ids.length;
      while (cap < this.used + n) cap *= 2;
      const ids = new Int32Array(cap);
      ids.set(this.ids.subarray(0, this.used));
      const marks = new Uint8Array(cap);
      marks.set(this.marks.subarray(0, this.used));
      this.ids = ids;
      this.marks = marks;
    }
    const one = packExamples([e], '');
    this.ids.set(one.ids, this.used);
    this.marks.set(one.marks, this.used);
    this.used += n;
    this.lines.push(e.line);
    this.offsets.push(this.used);
    this.fullLength.push(e.fullLength);
    this.truncated.push(e.truncatedTrainedTokens);
    return this.lines.length - 1;
  }

  /** Example i as the tokenizer made it (no copy of the whole set). */
  at(i: number): TokenizedExample {
    const a = this.offsets[i];
    const b = this.offsets[i + 1];
    const one: ExampleSet = {
      fingerprint: '',
      count: 1,
      lines: Int32Array.of(this.lines[i]),
      offsets: Int32Array.of(0, b - a),
      ids: this.ids.subarray(a, b),
      marks: this.marks.subarray(a, b),
      fullLength: Int32Array.of(this.fullLength[i]),
      truncatedTrained: Int32Array.of(this.truncated[i]),
    };
    return exampleAt(one, 0);
  }

  /** The set so far (views share the builder's buffers until the next push). */
  view(fingerprint: string): ExampleSet {
    return {
      fingerprint,
      count: this.lines.length,
      lines: Int32Array.from(this.lines),
      offsets: Int32Array.from(this.offsets),
      ids: this.ids.subarray(0, this.used),
      marks: this.marks.subarray(0, this.used),
      fullLength: Int32Array.from(this.fullLength),
      truncatedTrained: Int32Array.from(this.truncated),
    };
  }
}

/** A copy of a set whose buffers can be transferred (the original stays usable). */
export function copyExampleSet(set: ExampleSet): ExampleSet {
  return {
    fingerprint: set.fingerprint,
    count: set.count,
    lines: set.lines.slice(),
    offsets: set.offsets.slice(),
    ids: set.ids.slice(),
    marks: set.marks.slice(),
    fullLength: set.fullLength.slice(),
    truncatedTrained: set.truncatedTrained.slice(),
  };
}

/** A new set (its own buffers, transferable) of the examples at `indices` of `src`, in that order. */
export function pickExamples(src: ExampleSet, indices: readonly number[]): ExampleSet {
  const n = indices.length;
  let total = 0;
  for (const at of indices) total += src.offsets[at + 1] - src.offsets[at];
  const set = emptySet(src.fingerprint, n, total);
  let o = 0;
  indices.forEach((at, k) => {
    const a = src.offsets[at];
    const b = src.offsets[at + 1];
    set.lines[k] = src.lines[at];
    set.offsets[k] = o;
    set.ids.set(src.ids.subarray(a, b), o);
    set.marks.set(src.marks.subarray(a, b), o);
    set.fullLength[k] = src.fullLength[at];
    set.truncatedTrained[k] = src.truncatedTrained[at];
    o += b - a;
  });
  set.offsets[n] = o;
  return set;
}
