// The row blocks the three attention kernels share (attention_forward, attention_backward_dq,
// attention_backward): each invocation keeps four rows of the head (query rows or key rows) in a
// private struct Blk of 32 mat4x4 — m<d> holds dims 4d..4d+3 of the four rows, column r = row r —
// touched only by unrolled lines, one per vec4 of the head, each guarded by `HS4 > d` with the
// head size an override (one pipeline per head size), so the guards fold away and HS 64 runs 16
// of the 32 lines. Each helper below writes one such function body once.
import { kLanes, lines, range } from './emit.ts';

/** vec4s per row at the largest head size (128). */
export const kMaxHS4 = 32;

/** The header paragraph every attention kernel carries: why the state looks the way it does. */
export const kRegistersComment = `// Registers: SwiftShader runs function-local arrays indexed by a runtime counter 8-10x slower
// than named values, so the per-row state lives in private structs Blk of 32 mat4x4 (m<d> holds
// dims 4d..4d+3 of the four rows, column r = row r) touched only by unrolled lines (written by
// shaders/gen/attention_blocks.ts), one per vec4 of the head. Each line is guarded by \`HS4 > d\`
// with the head size an override (one pipeline per head size), so the guards fold away and HS 64
// runs 16 of the 32 lines.
// No workgroup memory: SwiftShader compiles big workgroup arrays very slowly (~25 s for 2 x 16 KB)
// and runs register-blocked code faster than tiled code (DESIGN.md).
// Compile time grows with the private state kept live (a few seconds to tens of seconds per head
// size on SwiftShader); it is paid once per head size at trainer creation.`;

/** The overrides and Params every attention kernel declares. */
export const kCommonDecls = `override WG: u32 = 16;
override HS4: u32 = 16; // head size / 4 (vec4s per row), <= 32`;

export const kParams = `struct Params {
  T: u32,
  NH: u32,
  NKV: u32,
  HS: u32,
  scale: f32,
}`;

/**
 * The start of main in the kernels that own 4 query rows of one head (forward, dQ): the rows, their
 * clamped copies rc, their sequence starts st, and the kv head g of head h.
 */
export const kQueryBlockMain = `@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let T = params.T;
  let i0 = gid.x * 4u;
  let h = gid.y;
  if (i0 >= T) {
    return;
  }
  let NH = params.NH;
  let NKV = params.NKV;
  let g = h / (NH / NKV);
  let rows = vec4<u32>(i0) + vec4<u32>(0u, 1u, 2u, 3u);
  let rc = min(rows, vec4<u32>(T - 1u)); // rows past T recompute row T-1 and are not stored
  let st = vec4<u32>(starts[rc.x], starts[rc.y], starts[rc.z], starts[rc.w]);`;

/** struct Blk: four rows of the head as 32 mat4x4 registers. */
export function blkStruct(): string {
  return `// Dims 4d..4d+3 of four rows (query rows or key rows) as the columns of m<d>.
struct Blk {
${lines(kMaxHS4, '  ', (d) => `m${d}: mat4x4<f32>,`)}
}`;
}

/** One guarded line per vec4 of the head: `if (HS4 > d) { body(d) }`. */
export function perVec4(body: (d: number) => string): string {
  return lines(kMaxHS4, '  ', (d) => `if (HS4 > ${d}u) { ${body(d)} }`);
}

/** Vec4 `d` of the four rows `b.x .. b.w` of `buf`, as the columns of a mat4x4. */
export function gather(buf: string, b: string, d: number): string {
  return `mat4x4<f32>(${kLanes.map((l) => `${buf}[${b}.${l} + ${d}u]`).join(', ')})`;
}

/**
 * fn `name`(`arg`: vec4<u32>) -> mat4x4: column c holds the dot products of the four rows held in
 * `state` with row `arg[c]` of `buf` (a 4 x 4 score tile in one pass over the head).
 */
export function tileDotFn(comment: string, name: string, arg: string, buf: string, state: string) {
  const acc = range(4);
  return `// ${comment}
fn ${name}(${arg}: vec4<u32>) -> mat4x4<f32> {
${acc.map((c) => `  var s${c} = vec4<f32>(0.0);`).join('\n')}
${perVec4((d) => `let m = ${state}.m${d}; ${acc.map((c) => `s${c} += ${buf}[${arg}.${kLanes[c]} + ${d}u] * m;`).join(' ')}`)}
  return mat4x4<f32>(s0, s1, s2, s3);
}`;
}

/** fn `name`(`arg`: u32) -> vec4: the four rows of `state` dotted with the one row `arg` of `buf`. */
export function rowDotFn(comment: string, name: string, arg: string, buf: string, state: string) {
  return `// ${comment}
fn ${name}(${arg}: u32) -> vec4<f32> {
  var s = vec4<f32>(0.0);
${perVec4((d) => `s += ${buf}[${arg} + ${d}u] * ${state}.m${d};`)}
  return s;
}`;
}

/** `state.m<d> += row (x) p`: column r gets p[r] times vec4 `d` of the row at `row` of `buf`. */
export function outer(state: string, buf: string, row: string, d: number, x: string, p: string) {
  const cols = kLanes.map((l) => `${x} * ${p}.${l}`).join(', ');
  return `let ${x} = ${buf}[${row} + ${d}u]; ${state}.m${d} += mat4x4<f32>(${cols});`;
}

/** fn store_row(b, r, `factor`): row r of each (output, state) pair, times `factor` where given. */
export function storeRowFn(factor: string, outs: [string, string, boolean][]): string {
  const body = (d: number) =>
    outs
      .map(([o, s, scaled]) => `${o}[b + ${d}u] = ${s}.m${d}[r]${scaled ? ` * ${factor}` : ''};`)
      .join(' ');
  return `fn store_row(b: u32, r: u32, ${factor}: f32) {
${perVec4(body)}
}`;
}

/**
 * The end of main: row 0 of the block is always stored, rows 1..3 only when < T (they redid row
 * T - 1); `store(r)` gives the statements for row r (component `kLanes[r]`).
 */
export function storeBlock(rows: string, store: (r: number) => string[]): string {
  const out = [...store(0).map((s) => `  ${s}`)];
  for (const r of [1, 2, 3]) {
    out.push(`  if (${rows}.${kLanes[r]} < T) {`, ...store(r).map((s) => `    ${s}`), '  }');
  }
  return out.join('\n');
}
