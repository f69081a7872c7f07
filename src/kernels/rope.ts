// RoPE launchers (Hugging Face `rotate_half` layout on the two halves of head_dim) and the host
// computation of inv_freq for the default and `llama3` rope scaling.
//   ropeInvFreq(headDim, theta, scaling?) -> Float32Array (HS/2): upload once per model
//   ropeForward(ctx, { x (T,NH,HS), pos (T) u32, invFreq (HS/2), out (T,NH,HS) = })
//   ropeBackward(ctx, { dout (T,NH,HS), pos, invFreq, dx (T,NH,HS) = })
// q and k are rotated by separate calls (NH = n_heads or n_kv_heads). Positions are per token,
// so packed sequences restart at 0.
import type { GpuContext, Tensor } from '../gpu/context.ts';
import { checkDims, checkDistinct, checkTensor } from '../gpu/check.ts';
import { ShapeError } from '../gpu/errors.ts';
import { makeOp, type GpuOp } from '../gpu/op.ts';
import forwardCode from '../../shaders/rope_forward.wgsl?raw';
import backwardCode from '../../shaders/rope_backward.wgsl?raw';
import { grid1d } from './launch.ts';

const kWg = 256;

/** config.json `rope_scaling` for rope_type "llama3" (Llama-3.1/3.2). */
export interface Llama3RopeScaling {
  rope_type: 'llama3';
  factor: number;
  low_freq_factor: number;
  high_freq_factor: number;
  original_max_position_embeddings: number;
}

/**
 * inv_freq[i] = 1 / theta^(2i / headDim), then `llama3` scaling as transformers'
 * `_compute_llama3_parameters`: wavelengths longer than original_max / low_freq_factor are divided
 * by `factor`, shorter than original_max / high_freq_factor kept, in between interpolated.
 * Computed in float64 and rounded to f32 once (HF does the same steps in f32 tensors, so entries
 * may differ from HF's by an ulp).
 */
export function ropeInvFreq(
  headDim: number,
  theta: number,
  scaling?: Llama3RopeScaling | null,
): Float32Array {
  if (!Number.isInteger(headDim) || headDim < 2 || headDim % 2 !== 0) {
    throw new ShapeError('ropeInvFreq', `head_dim ${headDim} must be a positive even integer`);
  }
  const half = headDim / 2;
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    let f = 1 / theta ** ((2 * i) / headDim);
    if (scaling && scaling.rope_type === 'llama3') {
      const { factor, low_freq_factor: lo, high_freq_factor: hi } = scaling;
      const old = scaling.original_max_position_embeddings;
      const wavelen = (2 * Math.PI) / f;
      if (wavelen > old / lo) {
        f = f / factor;
      } else if (!(wavelen < old / hi)) {
        const smooth = (old / wavelen - lo) / (hi - lo);
        f = ((1 - smooth) * f) / factor + smooth * f;
      }
    }
    out[i] = f;
  }
  return out;
}

export interface RopeArgs {
  T: number;
  NH: number; // heads of this tensor (n_heads for q, n_kv_heads for k)
  HS: number; // head_dim, even
  pos: Tensor; // (T) u32
  invFreq: Tensor; // (HS/2) f32
  label?: string;
}

function check(k: string, a: RopeArgs, input: Tensor, output: Tensor): void {
  checkDims(k, { T: a.T, NH: a.NH, HS: a.HS });
  if (a.HS % 2 !== 0) throw new ShapeError(k, `HS = ${a.HS} must be even`);
  checkTensor(k, 'input', input, [a.T, a.NH, a.HS], 'f32');
  checkTensor(k, 'output', output, [a.T, a.NH, a.HS], 'f32');
  checkTensor(k, 'pos', a.pos, [a.T], 'u32');
  checkTensor(k, 'invFreq', a.invFreq, [a.HS / 2], 'f32');
  checkDistinct(k, output, input, a.pos, a.invFreq);
}

function params(a: RopeArgs): ['u32', number][] {
  return [
    ['u32', a.T],
    ['u32', a.NH],
    ['u32', a.HS],
  ];
}

export async function ropeForward(
  ctx: GpuContext,
  a: RopeArgs & { x: Tensor; out: Tensor },
): Promise<GpuOp> {
  check('ropeForward', a, a.x, a.out);
  return makeOp(ctx, {
    label: a.label ?? 'rope_forward',
    shader: 'rope_forward',
    code: forwardCode,
    overrides: { WG: kWg },
    bindings: [a.x, a.pos, a.invFreq, a.out],
    params: params(a),
    workgroups: grid1d((a.T * a.NH * a.HS) / 2, kWg),
    flops: 3 * a.T * a.NH * a.HS,
  });
}

export async function ropeBackward(
  ctx: GpuContext,
  a: RopeArgs & { dout: Tensor; dx: Tensor },
): Promise<GpuOp> {
  check('ropeBackward', a, a.dout, a.dx);
  return makeOp(ctx, {
    label: a.label ?? 'rope_backward',
    shader: 'rope_backward',
    code: backwardCode,
    overrides: { WG: kWg },
    bindings: [a.dout, a.pos, a.invFreq, a.dx],
    params: params(a),
    workgroups: grid1d((a.T * a.NH * a.HS) / 2, kWg),
    flops: 3 * a.T * a.NH * a.HS,
  });
}
