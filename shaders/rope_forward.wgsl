// RoPE forward, Hugging Face `rotate_half` layout: for each (token t, head h) and i < HS/2, with
// x1 = x[t, h, i], x2 = x[t, h, i + HS/2] and angle = f32(pos[t]) * inv_freq[i] (an f32 product,
// as HF computes it),
//   out[t, h, i]        = x1 * cos(angle) - x2 * sin(angle)
//   out[t, h, i + HS/2] = x2 * cos(angle) + x1 * sin(angle)
// Positions are per token, so packed sequences restart at 0. inv_freq is computed on the host
// (default or llama3 scaling; src/kernels/rope.ts ropeInvFreq). cos/sin come from cos_sin below
// (range reduction + polynomials, ~1e-7), not the WGSL builtins (2^-11 allowed, seen on SwiftShader).
//   x        (T, NH, HS) f32  read (q or k as the linear layer wrote them)
//   pos      (T)         u32  read
//   inv_freq (HS / 2)    f32  read
//   out      (T, NH, HS) f32  =
// Dispatch: one invocation per (t, h, i < HS/2): ceil(T*NH*HS/2 / WG) split over x/y.

override WG: u32 = 256;

struct Params {
  T: u32,
  NH: u32,
  HS: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> pos: array<u32>;
@group(0) @binding(2) var<storage, read> inv_freq: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;


const TWO_OVER_PI: f32 = 0.6366197723675814;
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
}

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
  let x1 = x[base + i];
  let x2 = x[base + i + half];
  out[base + i] = x1 * c - x2 * s;
  out[base + i + half] = x2 * c + x1 * s;
}
