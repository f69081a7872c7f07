// Blocks the register-blocked vec4 kernels share (the X·Wᵀ / dY·W matmuls and the fused
// cross-entropy sweeps): clamped row offsets, the 4 × 8 block of named accumulators and its
// multiply-accumulate, and the weight loader that unpacks bf16 / f16 pairs. Each is written once
// here; the generators call them with their own register names.
import { lines, range, unpack4 } from './emit.ts';

/** `let name(i) = min(base + iu, last) * stride;` for i < n: clamped rows, as vec4 offsets. */
export function clampedRows(
  indent: string,
  n: number,
  name: (i: number) => string,
  base: string,
  last: string,
  stride: string,
): string {
  return lines(n, indent, (i) => `let ${name(i)} = min(${base} + ${i}u, ${last}) * ${stride};`);
}

/** The 4 × 8 block of scalar accumulators `acc(r, c)`, zeroed: one line per row. */
export function zeros4x8(indent: string, acc: (r: number, c: number) => string): string {
  return lines(4, indent, (r) =>
    range(8)
      .map((c) => `var ${acc(r, c)} = 0.0;`)
      .join(' '),
  );
}

/**
 * The 4 × 8 multiply-accumulate of the X·Wᵀ form: `acc(r, c) += dot(a(r), b(c))` for the given
 * rows and columns, one line each, row by row (`byColumn`: column by column).
 */
export function dot4x8(
  indent: string,
  rows: number[],
  cols: number[],
  acc: (r: number, c: number) => string,
  a: (r: number) => string,
  b: (c: number) => string,
  byColumn = false,
): string {
  const pairs = byColumn
    ? cols.flatMap((c) => rows.map((r) => [r, c]))
    : rows.flatMap((r) => cols.map((c) => [r, c]));
  return pairs.map(([r, c]) => `${indent}${acc(r, c)} += dot(${a(r)}, ${b(c)});`).join('\n');
}

/**
 * The 4 × 8 multiply-accumulate of the X·Wᵀ form with each column's vec4 loaded just before its 4
 * updates (`let b(c) = load(c);` then acc(0..3, c) += dot(a(r), b(c))): fewer live registers.
 */
export function dot4x8Loads(
  indent: string,
  acc: (r: number, c: number) => string,
  a: (r: number) => string,
  b: (c: number) => string,
  load: (c: number) => string,
): string {
  return range(8)
    .map((c) => `${indent}let ${b(c)} = ${load(c)};\n${dot4x8(indent, range(4), [c], acc, a, b)}`)
    .join('\n');
}

/** `acc += a.x * b(0) + a.y * b(1) + a.z * b(2) + a.w * b(3);`: one vec4 of A times 4 rows of B. */
export function fma4(indent: string, acc: string, a: string, b: (s: number) => string): string {
  return `${indent}${acc} += ${range(4)
    .map((s) => `${a}.${'xyzw'[s]} * ${b(s)}`)
    .join(' + ')};`;
}

/**
 * The 4 × 8 multiply-accumulate of the dY·W form: row r's two column quads (vec4 accumulators
 * c<r>a, c<r>b) += the 4 reduction steps of a<r> times rows b<s>a / b<s>b of B.
 */
export function axpy4x8(indent: string): string {
  return range(4)
    .flatMap((r) => ['a', 'b'].map((q) => fma4(indent, `c${r}${q}`, `a${r}`, (s) => `b${s}${q}`)))
    .join('\n');
}

/**
 * fn `name`(q) -> vec4<f32>: four consecutive weights as f32; `f32Load` is the f32 case (the caller's
 * buffer view), `packed` the vec2<u32> of a bf16 / f16 quad, `dtype` the override.
 */
export function loadQuadFn(
  comment: string,
  name: string,
  arg: string,
  dtype: string,
  f32Load: string,
  packed: string,
): string {
  return `// ${comment}
fn ${name}(${arg}: u32) -> vec4<f32> {
  if (${dtype} == 0u) {
    return ${f32Load};
  }
  let w = ${packed};
${unpack4(dtype, '  ')}
}`;
}
