// CPU reference for the embedding gather, and bf16 packing of test weights (two per u32, element e
// in word e/2, low half first: the byte layout of a little-endian safetensors bf16 tensor).

/** Rounds f32 values to bf16 (round to nearest even) and packs them; also returns the rounded values. */
export function packBf16(values: ArrayLike<number>): { packed: Uint32Array; rounded: Float32Array } {
  const f = Float32Array.from(values);
  const bits = new Uint32Array(f.buffer);
  const packed = new Uint32Array(Math.ceil(f.length / 2));
  const rounded = new Float32Array(f.length);
  const rbits = new Uint32Array(rounded.buffer);
  for (let i = 0; i < f.length; i++) {
    const b = bits[i];
    const h = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
    rbits[i] = h << 16;
    packed[i >> 1] |= i & 1 ? h << 16 : h;
  }
  return { packed, rounded };
}

export function embeddingForwardRef(ids: ArrayLike<number>, weight: ArrayLike<number>, V: number, C: number): Float64Array {
  const out = new Float64Array(ids.length * C);
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t];
    if (id >= V) continue;
    for (let c = 0; c < C; c++) out[t * C + c] = weight[id * C + c];
  }
  return out;
}
