// Generator of the RoPE kernels (rope_forward, rope_backward). They share the whole body: the
// index math, the angle and its range-reduced cos_sin (WGSL has no includes, so each file needs
// its own copy); only the sign of the rotation and the buffer names differ. Not unrolled: the
// generator exists so that the rotation and cos_sin are written once.
import { generatedFile } from './emit.ts';

const kGen = 'rope.ts';

const kForwardHeader = `// RoPE forward, Hugging Face \`rotate_half\` layout: for each (token t, head h) and i < HS/2, with
// x1 = x[t, h, i], x2 = x[t, h, i + HS/2] and angle = f32(pos[t]) * inv_freq[i] (an f32 product,
// as HF computes it),
//   out[t, h, i]        = x1 * cos(angle) - x2 * sin(angle)
//   out[t, h, i + HS/2] = x2 * cos(angle) + x1 * sin(angle)
// Positions are per token, so packed sequences restart at 0. inv_freq is computed on the host
// (default or llama3 scaling; src/kernels/rope.ts ropeInvFreq). cos/sin come from cos_sin below
// (range reduction + polynomials, ~1e-7), not the WGSL builtins (2^-11 allowed, seen on SwiftShader).
//   x        (T, NH, HS) f32  read (q or k as the linear layer wrote them)`;

const kBackwardHeader = `// RoPE backward: the rotation is orthogonal, so the gradient is the rotation by -angle:
//   dx[t, h, i]        =  dout1 * cos(angle) + dout2 * sin(angle)
//   dx[t, h, i + HS/2] =  dout2 * cos(angle) - dout1 * sin(angle)
// with dout1 = dout[t, h, i], dout2 = dout[t, h, i + HS/2] and the same angle and range reduction
// as rope_forward.wgsl (the same cos_sin, written by the same generator).
//   dout     (T, NH, HS) f32  read`;

const kCosSin = `const TWO_OVER_PI: f32 = 0.6366197723675814;
const HALF_PI_HI: f32 = 1.5703125; // 201/128: q * HALF_PI_HI is exact for |q| < 2^15
const HALF_PI_LO: f32 = 4.8382679489661923e-4;

// (cos a, sin a) to ~1e-7 absolute for |a| < 5e4 (positions past 50k with inv_freq 1 lose
// accuracy gracefully): Cody-Waite reduction by pi/2 into [-pi/4, pi/4], then Taylor polynomials
// (truncation < 3e-8 there) and the quadrant. WGSL's cos/sin only promise 2^-11 absolute, and
// SwiftShader is that coarse (~2e-4 measured), so the shader does not use them.
fn cos_sin(a: f32) -> vec2<f32> {
  let q = round(a * TWO_OVER_PI);
  let r = (a - q * HALF_PI_HI) - q * HALF_PI_LO;
  let r2 = r * r;
  let s = r + r * r2 * (-1.0 / 6.0 + r2 * (1.0 / 120.0 + r2 * (-1.0 / 5040.0 + r2 * (1.0 / 362880.0))));
  let c = 1.0 + r2 * (-0.5 + r2 * (1.0 / 24.0 + r2 * (-1.0 / 720.0 + r2 * (1.0 / 40320.0))));
  switch (u32(i32(q)) & 3u) {
    case 0u: {
      return vec2<f32>(c, s);
    }
    case 1u: {
      return vec2<f32>(-s, c);
    }
    case 2u: {
      return vec2<f32>(-c, -s);
    }
    default: {
      return vec2<f32>(s, -c);
    }
  }
}`;

/** The rotation of (v1, v2) = (src[i], src[i + HS/2]) by +angle (forward) or -angle (backward). */
function rope(backward: boolean): string {
  const [src, dst, v1, v2] = backward ? ['dout', 'dx', 'd1', 'd2'] : ['x', 'out', 'x1', 'x2'];
  const [minus, plus] = backward ? ['+', '-'] : ['-', '+'];
  return `${backward ? kBackwardHeader : kForwardHeader}
//   pos      (T)         u32  read
//   inv_freq (HS / 2)    f32  read
//   ${dst.padEnd(8)} (T, NH, HS) f32  =
// Dispatch: one invocation per (t, h, i < HS/2): ceil(T*NH*HS/2 / WG) split over x/y.

override WG: u32 = 256;

struct Params {
  T: u32,
  NH: u32,
  HS: u32,
}

@group(0) @binding(0) var<storage, read> ${src}: array<f32>;
@group(0) @binding(1) var<storage, read> pos: array<u32>;
@group(0) @binding(2) var<storage, read> inv_freq: array<f32>;
@group(0) @binding(3) var<storage, read_write> ${dst}: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

${kCosSin}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x + gid.y * nwg.x * WG;
  let half = params.HS / 2u;
  if (j >= params.T * params.NH * half) {
    return;
  }
  let row = j / half; // t * NH + h
  let i = j - row * half;
  let t = row / params.NH;
  let a = f32(pos[t]) * inv_freq[i];
  let cs = cos_sin(a);
  let c = cs.x;
  let s = cs.y;
  let base = row * params.HS;
  let ${v1} = ${src}[base + i];
  let ${v2} = ${src}[base + i + half];
  ${dst}[base + i] = ${v1} * c ${minus} ${v2} * s;
  ${dst}[base + i + half] = ${v2} * c ${plus} ${v1} * s;
}
`;
}

/** The RoPE kernels, by path relative to the repository root. */
export function ropeShaders(): Record<string, string> {
  return {
    'shaders/rope_forward.wgsl': generatedFile(kGen, rope(false)),
    'shaders/rope_backward.wgsl': generatedFile(kGen, rope(true)),
  };
}
