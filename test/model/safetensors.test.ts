// safetensors: bit-exact round trips for F32/F16/BF16, dtype conversions, range-based reading
// through a ModelSource (single and sharded), and a clear error, naming the file, for every kind
// of bad file.
import { describe, expect, it } from 'vitest';
import {
  bf16ToF32,
  encodeSafetensors,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  fromFloat32,
  openCheckpoint,
  parseSafetensors,
  readHeader,
  readTensorBytes,
  SafetensorsError,
  serializeSafetensors,
  toFloat32,
  UnsupportedDtypeError,
  type TensorToWrite,
} from '../../src/model/safetensors.ts';
import { bytesSource, ModelFileNotFoundError, type ModelSource } from '../../src/model/source.ts';
import { folderSource } from '../../src/cli/model-source.ts';
import { makeTinyModel } from '../fixtures/tiny-models.ts';
import { randn } from '../helpers/random.ts';

/** A file with a hand-written header (for malformed cases). */
function rawFile(header: unknown, data: Uint8Array, headerLen?: number): Uint8Array {
  const json = new TextEncoder().encode(
    typeof header === 'string' ? header : JSON.stringify(header),
  );
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const src = (bytes: Uint8Array, file = 'model.safetensors'): ModelSource =>
  bytesSource('mem', { [file]: bytes });

describe('dtype conversions', () => {
  it('bf16 and f16 round trips are exact for representable values, with RNE rounding', () => {
    expect(f32ToBf16(1)).toBe(0x3f80);
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(f32ToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(f32ToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie → even (up)
    expect(f32ToBf16(-Infinity)).toBe(0xff80);
    expect(Number.isNaN(bf16ToF32(f32ToBf16(NaN)))).toBe(true);
    expect(f32ToF16(1)).toBe(0x3c00);
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(65520)).toBe(0x7c00); // overflow → inf
    expect(f32ToF16(2 ** -24)).toBe(1); // smallest subnormal
    expect(f32ToF16(2 ** -25)).toBe(0); // tie → even (0)
    expect(f32ToF16(3 * 2 ** -26)).toBe(1);
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00);
    expect(f16ToF32(0xc000)).toBe(-2);
    expect(f16ToF32(0x0001)).toBe(2 ** -24);
    // Every f16 bit pattern survives f16 → f32 → f16.
    for (let h = 0; h < 0x10000; h++) {
      const x = f16ToF32(h);
      if (Number.isNaN(x)) continue;
      if (f32ToF16(x) !== h)
        throw new Error(`f16 ${h.toString(16)} → ${x} → ${f32ToF16(x).toString(16)}`);
    }
  });

  it('toFloat32 / fromFloat32 agree with the scalar conversions', () => {
    const x = randn(1001, 3, 10);
    expect(toFloat32('F32', fromFloat32('F32', x))).toEqual(x);
    const b = toFloat32('BF16', fromFloat32('BF16', x));
    const h = toFloat32('F16', fromFloat32('F16', x));
    for (let i = 0; i < x.length; i++) {
      expect(b[i]).toBe(bf16ToF32(f32ToBf16(x[i])));
      expect(h[i]).toBe(f16ToF32(f32ToF16(x[i])));
    }
    expect(() => toFloat32('I64', new Uint8Array(8))).toThrow(UnsupportedDtypeError);
  });
});

describe('safetensors write → read', () => {
  const specials = new Float32Array([
    0,
    -0,
    1,
    -1,
    Infinity,
    -Infinity,
    NaN,
    1e-40,
    3.4e38,
    65504,
    2 ** -24,
  ]);
  const tensors: TensorToWrite[] = [
    { name: 'a.f32', dtype: 'F32', shape: [3, 7], data: randn(21, 1) },
    { name: 'b.bf16', dtype: 'BF16', shape: [5, 3], data: fromFloat32('BF16', randn(15, 2)) },
    { name: 'c.f16', dtype: 'F16', shape: [9], data: fromFloat32('F16', randn(9, 3)) },
    { name: 'd.specials', dtype: 'F32', shape: [specials.length], data: specials },
    {
      name: 'e.odd',
      dtype: 'BF16',
      shape: [1, 3],
      data: new Uint16Array([0x7fc1, 0x0001, 0x8000]),
    }, // NaN payload, subnormal, -0
    { name: 'f.scalar', dtype: 'F32', shape: [], data: new Float32Array([42]) },
    { name: 'g.empty', dtype: 'F16', shape: [0, 4], data: new Uint16Array(0) },
  ];
  const bytesOf = (t: TensorToWrite) =>
    new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

  it('round-trips bit-exactly in memory, keeping metadata and 8-byte alignment', () => {
    const file = serializeSafetensors(tensors, { format: 'pt', note: 'x' });
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const { tensors: got, metadata } = parseSafetensors(file);
    expect(metadata).toEqual({ format: 'pt', note: 'x' });
    expect([...got.keys()]).toEqual(tensors.map((t) => t.name));
    for (const t of tensors) {
      const g = got.get(t.name)!;
      expect(g.dtype).toBe(t.dtype);
      expect(g.shape).toEqual(t.shape);
      expect(g.data).toEqual(bytesOf(t));
    }
  });

  it('reads the header and each tensor by byte range through a source', async () => {
    const file = serializeSafetensors(tensors);
    const reads: [number, number][] = [];
    const base = src(file);
    const spy: ModelSource = {
      ...base,
      readRange: (p, s, e) => (reads.push([s, e]), base.readRange(p, s, e)),
    };
    const h = await readHeader(spy, 'model.safetensors');
    expect(reads).toEqual([
      [0, 8],
      [8, h.dataStart],
    ]); // the header only: no data read yet
    expect(h.fileSize).toBe(file.length);
    for (const info of h.tensors) {
      const bytes = await readTensorBytes(spy, info);
      expect(bytes).toEqual(bytesOf(tensors.find((t) => t.name === info.name)!));
    }
    expect(reads.length).toBe(2 + tensors.length);
  });

  it('encodeSafetensors returns parts without copying tensor bytes', () => {
    const parts = encodeSafetensors(tensors.slice(0, 1));
    expect(parts[1].buffer).toBe(tensors[0].data.buffer);
  });

  it('refuses non-float dtypes and inconsistent tensors when writing', () => {
    expect(() =>
      serializeSafetensors([
        { name: 'x', dtype: 'I64' as 'F32', shape: [1], data: new Uint8Array(8) },
      ]),
    ).toThrow(UnsupportedDtypeError);
    expect(() =>
      serializeSafetensors([{ name: 'x', dtype: 'F32', shape: [3], data: new Float32Array(2) }]),
    ).toThrow(/needs 12/);
    const t = tensors[0];
    expect(() => serializeSafetensors([t, t])).toThrow(/given twice/);
  });
});

describe('sharded checkpoints', () => {
  it('opens the index and its shards as one map, same bytes as the single file', async () => {
    const single = folderSource(await makeTinyModel('qwen2'));
    const sharded = folderSource(await makeTinyModel('qwen2', { sharded: true }));
    const a = await openCheckpoint(single);
    const b = await openCheckpoint(sharded);
    expect(a.files).toEqual(['model.safetensors']);
    expect(b.files).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    expect([...b.tensors.keys()].sort()).toEqual([...a.tensors.keys()].sort());
    for (const name of [
      'model.layers.1.self_attn.k_proj.bias',
      'model.layers.0.mlp.down_proj.weight',
    ]) {
      expect(await readTensorBytes(sharded, b.tensors.get(name)!)).toEqual(
        await readTensorBytes(single, a.tensors.get(name)!),
      );
    }
    expect(b.tensors.get('model.norm.weight')!.file).toBe('model-00002-of-00002.safetensors');
  });

  it('reports a missing shard, a tensor the index misplaces, and a bad index', async () => {
    const x = serializeSafetensors([
      { name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) },
    ]);
    const y = serializeSafetensors([
      { name: 'y', dtype: 'F32', shape: [1], data: new Float32Array(1) },
    ]);
    const index = (m: Record<string, string>) =>
      new TextEncoder().encode(JSON.stringify({ weight_map: m }));
    const idx = 'model.safetensors.index.json';
    await expect(
      openCheckpoint(
        bytesSource('m', {
          [idx]: index({ x: 'a.safetensors', y: 'b.safetensors' }),
          'a.safetensors': x,
        }),
      ),
    ).rejects.toThrow(
      /b\.safetensors not found in m: model\.safetensors\.index\.json lists it as a shard/,
    );
    await expect(
      openCheckpoint(
        bytesSource('m', {
          [idx]: index({ x: 'a.safetensors', y: 'a.safetensors' }),
          'a.safetensors': x,
        }),
      ),
    ).rejects.toThrow(/weight_map puts "y" in a\.safetensors, but that shard does not hold it/);
    await expect(
      openCheckpoint(
        bytesSource('m', {
          [idx]: index({ x: 'a.safetensors' }),
          'a.safetensors': serializeSafetensors([
            ...parseSafetensors(x).tensors.values(),
            ...parseSafetensors(y).tensors.values(),
          ]),
        }),
      ),
    ).rejects.toThrow(/holds "y", which the weight_map does not list/);
    await expect(
      openCheckpoint(bytesSource('m', { [idx]: new TextEncoder().encode('{') })),
    ).rejects.toThrow(/m\/model\.safetensors\.index\.json: not valid JSON/);
    await expect(
      openCheckpoint(bytesSource('m', { [idx]: new TextEncoder().encode('{}') })),
    ).rejects.toThrow(/no "weight_map"/);
    await expect(openCheckpoint(bytesSource('m', { 'pytorch_model.bin': x }))).rejects.toThrow(
      ModelFileNotFoundError,
    );
    await expect(openCheckpoint(bytesSource('m', { 'pytorch_model.bin': x }))).rejects.toThrow(
      /only safetensors checkpoints are supported/,
    );
  });
});

describe('bad files get clear errors that name the file', () => {
  const f32 = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
  const entry = (b: number, e: number, shape = [4], dtype = 'F32') => ({
    dtype,
    shape,
    data_offsets: [b, e],
  });
  const cases: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array(5), /only 5 bytes: too short/],
    ['zero header length', rawFile('', new Uint8Array(8), 0), /header length 0 is not plausible/],
    [
      'absurd header length',
      rawFile({}, new Uint8Array(0), 2 ** 40),
      /header length 1099511627776 is not plausible/,
    ],
    [
      'header past the end',
      rawFile({ x: entry(0, 16) }, f32, 5000),
      /header length 5000 runs past the end of the file .*truncated/,
    ],
    ['bad JSON', rawFile('{"x": [', f32), /header is not valid JSON/],
    ['JSON not an object', rawFile('[1, 2]', new Uint8Array(0)), /header is not a JSON object/],
    [
      'offsets past the data',
      rawFile({ x: entry(16, 32) }, f32),
      /data_offsets \[16, 32\] point past the end of the data \(16 bytes\)/,
    ],
    [
      'truncated data',
      rawFile({ x: entry(0, 16) }, f32.subarray(0, 10)),
      /point past the end of the data \(10 bytes\): the file is truncated/,
    ],
    [
      'size mismatch',
      rawFile({ x: entry(0, 12) }, f32.subarray(0, 12)),
      /needs 16 bytes but data_offsets \[0, 12\] span 12/,
    ],
    ['unknown dtype', rawFile({ x: entry(0, 16, [4], 'Q4') }, f32), /unknown dtype "Q4"/],
    ['bad shape', rawFile({ x: entry(0, 16, [-4]) }, f32), /invalid shape \[-4\]/],
    [
      'bad offsets',
      rawFile({ x: { dtype: 'F32', shape: [4], data_offsets: [8] } }, f32),
      /invalid data_offsets \[8\]/,
    ],
    ['overlap', rawFile({ x: entry(0, 16), y: entry(8, 24) }, new Uint8Array(24)), /overlaps/],
    [
      'hole',
      rawFile({ x: entry(0, 8, [2]), y: entry(16, 24, [2]) }, new Uint8Array(24)),
      /hole before tensor "y"/,
    ],
    ['trailing bytes', rawFile({ x: entry(0, 16) }, new Uint8Array(20)), /4 trailing bytes/],
  ];
  for (const [what, bytes, re] of cases) {
    it(what, async () => {
      const run = readHeader(src(bytes, 'shard-3.safetensors'), 'shard-3.safetensors');
      await expect(run).rejects.toThrow(SafetensorsError);
      await expect(
        readHeader(src(bytes, 'shard-3.safetensors'), 'shard-3.safetensors'),
      ).rejects.toThrow(/^mem\/shard-3\.safetensors: /);
      await expect(
        readHeader(src(bytes, 'shard-3.safetensors'), 'shard-3.safetensors'),
      ).rejects.toThrow(re);
      expect(() => parseSafetensors(bytes, 'in-memory.safetensors')).toThrow(re);
    });
  }

  it('a non-float tensor parses but cannot be read as a weight', () => {
    const file = rawFile(
      { ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } },
      new Uint8Array(16),
    );
    expect(() => parseSafetensors(file, 'x.safetensors')).toThrow(
      /x\.safetensors: tensor "ids": dtype I64 is not supported \(only F32, F16 and BF16/,
    );
  });

  it('a file that shrinks after its header was read is reported as truncated', async () => {
    const good = serializeSafetensors([
      { name: 'x', dtype: 'F32', shape: [4], data: new Float32Array(4) },
    ]);
    const h = await readHeader(src(good), 'model.safetensors');
    await expect(
      readTensorBytes(src(good.subarray(0, good.length - 3)), h.tensors[0]),
    ).rejects.toThrow(/outside the file/);
  });
});
