// The declarations every fused LoRA kernel shares (vec4 and scalar loads, forward and backward):
// the ROWS / RV overrides, Params, the five storage bindings and the workgroup array that holds
// phase 1's result (h or g) for phase 2.

/**
 * Overrides, Params (`out` is the output flags bit 1 accumulates into), the bindings
 * [name, access, shape comment or ''] as arrays of `elem`, and the workgroup array `shared`.
 */
export function loraDecls(
  out: string,
  bindings: [string, string, string][],
  elem: string,
  shared: string,
): string {
  return `override ROWS: u32 = 32u;
override RV: u32 = 4u;
const WG: u32 = 64u;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  r: u32,
  flags: u32, // bit 1: accumulate into ${out}
  scale: f32,
}

${bindings
  .map(
    ([name, access, shape], i) =>
      `@group(0) @binding(${i}) var<storage, ${access}> ${name}: array<${elem}>;${shape ? ` // ${shape}` : ''}`,
  )
  .join('\n')}
@group(0) @binding(${bindings.length}) var<uniform> params: Params;

var<workgroup> ${shared}: array<vec4<f32>, ROWS * RV>; // (ROWS, RV) vec4 of ranks`;
}
