// The blocks every fused cross-entropy sweep shares (vec4 and scalar loads, loss-only and
// training, plain and subgroup): the "any trained token?" prologue, the masking of rows past the
// split's end, the online log-sum-exp step over 8 vocabulary rows, and the (m, l) store. Written
// once here; crossentropy.ts and crossentropy_scalar.ts put them together per kernel.
import { lines, range } from './emit.ts';

export const kOverrides = `override WG: u32 = 64;
override W_DTYPE: u32 = 0u; // 0 f32, 1 bf16, 2 f16`;

/** struct Params of the sweeps (the training pass also needs S, for the spare acc row). */
export function params(grad: boolean): string {
  return `struct Params {
  T: u32,
  C: u32,
  V: u32,
  vchunk: u32,${grad ? '\n  S: u32,' : ''}
}`;
}

/** The sweep's bindings: hidden and weight as `hiddenTy` / `weightTy`, ml, acc (training). */
export function bindings(grad: boolean, hiddenTy: string, weightTy: string, accTy: string): string {
  const b = [
    `@group(0) @binding(0) var<storage, read> hidden: array<${hiddenTy}>;`,
    `@group(0) @binding(1) var<storage, read> weight: array<${weightTy}>;`,
    `@group(0) @binding(2) var<storage, read> labels: array<i32>;`,
    `@group(0) @binding(3) var<storage, read_write> ml: array<f32>;`,
  ];
  if (grad) b.push(`@group(0) @binding(4) var<storage, read_write> acc: array<${accTy}>;`);
  b.push(`@group(0) @binding(${b.length}) var<uniform> params: Params;`);
  return b.join('\n');
}

/**
 * Whether any of the invocation's RT tokens is trained; if none, return (a plain sweep per
 * invocation, a subgroup sweep only when the whole subgroup has none: every lane must reach every
 * broadcast). `note` is the comment on that return.
 */
export function trainedPrologue(sg: boolean, note: string): string {
  return `  var trained = false;
  for (var a = 0u; a < RT; a++) {
    if (t0 + a < T) {
      let lab = labels[t0 + a];
      trained = trained || (lab >= 0 && u32(lab) < V);
    }
  }
  if (${sg ? 'subgroupAll(!trained)' : '!trained'}) {
    return;${note ? ` // ${note}` : ''}
  }`;
}

/** Rows past the split's end were clamped: their logits (each name of `regs(v)`) get NEG. */
export function maskTail(indent: string, regs: (v: number) => string[]): string {
  return `${indent}if (v0 + RV > vend) {
${indent}  // Past the split's end: rows were clamped; mask their logits.
${indent}  let n = vend - v0;
${range(7)
  .flatMap((i) =>
    regs(i + 1).map((r) => `${indent}  ${r} = select(vec4<f32>(NEG), ${r}, n > ${i + 1}u);`),
  )
  .join('\n')}
${indent}}`;
}

/** ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)): the pairwise sum of 8 registers. */
export function sum8(x: (v: number) => string): string {
  const pair = (a: number) => `(${x(a)} + ${x(a + 1)})`;
  return `(${pair(0)} + ${pair(2)}) + (${pair(4)} + ${pair(6)})`;
}

/** max of the 8 logits, pairwise. */
export function max8(x: (v: number) => string): string {
  const pair = (a: number) => `max(${x(a)}, ${x(a + 1)})`;
  return `max(max(${pair(0)}, ${pair(2)}), max(${pair(4)}, ${pair(6)}))`;
}

/**
 * One online log-sum-exp step over the 8 logits `L(v)` (vec4s over 4 tokens): the new max `n`,
 * the rescale `corr` of the running sum, `p(v) = exp(L(v) - n)`, then l and m updated. `nested`
 * adds the 8 p's before l (vec4 sweeps: l·corr + (Σp)); otherwise they add left to right
 * (scalar sweeps: l·corr + (p0..p3) + (p4..p7)).
 */
export function lseStep(
  indent: string,
  r: {
    m: string;
    l: string;
    n: string;
    corr: string;
    L: (v: number) => string;
    p: (v: number) => string;
  },
  nested: boolean,
): string {
  const sum = sum8(r.p);
  return `${indent}let ${r.n} = max(${r.m}, ${max8(r.L)});
${indent}let ${r.corr} = exp(${r.m} - ${r.n});
${lines(8, indent, (v) => `let ${r.p(v)} = exp(${r.L(v)} - ${r.n});`)}
${indent}${r.l} = ${r.l} * ${r.corr} + ${nested ? `(${sum})` : sum};
${indent}${r.m} = ${r.n};`;
}

/** Stores (m, l) of the invocation's tokens past T excluded; `body` names the registers. */
export function storeMl(body: string[]): string {
  return `  for (var a = 0u; a < RT; a++) {
    if (t0 + a < T) {
      let o = (s * T + t0 + a) * 2u;
${body.map((b) => `      ${b}`).join('\n')}
    }
  }`;
}

/** The scalar sweeps' weight loader: element e as f32 from words of f32 or bf16 / f16 pairs. */
export const kWeightAt = `fn w_at(e: u32) -> f32 {
  if (W_DTYPE == 0u) {
    return bitcast<f32>(weight[e]);
  }
  let word = weight[e >> 1u];
  let odd = (e & 1u) == 1u;
  if (W_DTYPE == 1u) {
    return bitcast<f32>(select(word << 16u, word & 0xffff0000u, odd));
  }
  return unpack2x16float(word)[e & 1u];
}`;
