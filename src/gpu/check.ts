// Shape and dtype checks for typed launchers: they run before anything is dispatched and throw a
// ShapeError that names the kernel, the argument and what was expected, instead of letting a
// kernel read or write past a buffer.
import { dtypeBytes, type DType, type Tensor } from './context.ts';
import { ShapeError } from './errors.ts';

/** Throws unless every dimension is a positive integer (or 0 when `allowZero`). */
export function checkDims(kernel: string, dims: Record<string, number>, allowZero = false): void {
  for (const [name, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < (allowZero ? 0 : 1) || v > 0xffffffff) {
      throw new ShapeError(kernel, `${name} = ${v} must be a positive integer`);
    }
  }
}

/**
 * Throws unless `t` can hold `shape` elements of `dtype`: its byte size must be large enough, and
 * its optional `dtype`/`shape` annotations must agree (a shape of another rank must have the same
 * number of elements, e.g. (B, T, C) for (B·T, C)).
 */
export function checkTensor(
  kernel: string,
  name: string,
  t: Tensor | undefined,
  shape: readonly number[],
  dtype: DType,
): asserts t is Tensor {
  if (!t) throw new ShapeError(kernel, `${name} is missing`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (t.dtype !== undefined && t.dtype !== dtype) {
    throw new ShapeError(kernel, `${name} (${t.label}) is ${t.dtype}, expected ${dtype}`);
  }
  if (t.shape !== undefined) {
    const has = t.shape.reduce((a, b) => a * b, 1);
    const same =
      t.shape.length === shape.length ? t.shape.every((d, i) => d === shape[i]) : has === count;
    if (!same) {
      throw new ShapeError(
        kernel,
        `${name} (${t.label}) has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`,
      );
    }
  }
  const need = dtypeBytes(dtype, count);
  if (t.bytes < need) {
    throw new ShapeError(
      kernel,
      `${name} (${t.label}) holds ${t.bytes} bytes, [${shape.join(', ')}] ${dtype} needs ${need}`,
    );
  }
}

/** Throws if two tensors share a buffer where the kernel writes one and reads the other. */
export function checkDistinct(
  kernel: string,
  out: Tensor,
  ...inputs: (Tensor | undefined)[]
): void {
  for (const t of inputs) {
    if (t && t.buffer === out.buffer) {
      throw new ShapeError(kernel, `${out.label} is both an input and the output`);
    }
  }
}
