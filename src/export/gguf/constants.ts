// GGUF v3 constants, as llama.cpp's gguf-py defines them (gguf-py/gguf/constants.py:
// GGUFValueType, GGMLQuantizationType, LlamaFileType, TokenType, GGML_QUANT_SIZES, the Keys
// classes) and the file layout of gguf-py/gguf/gguf_writer.py (magic "GGUF", version 3, counts as
// u64, strings as u64 length + UTF-8, tensor data aligned to general.alignment = 32).

export const kGgufMagic = 0x46554747; // "GGUF" little-endian
export const kGgufVersion = 3;
export const kGgufAlignment = 32;
/** GGML_QUANT_VERSION: written as general.quantization_version. */
export const kQuantVersion = 2;

/** GGUFValueType. */
export const ValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type ValueTypeId = (typeof ValueType)[keyof typeof ValueType];

/** The tensor types written here (GGMLQuantizationType ids). */
export type GgmlTypeName = 'F32' | 'F16' | 'BF16' | 'Q8_0';
export const kGgmlType: Record<GgmlTypeName, number> = { F32: 0, F16: 1, Q8_0: 8, BF16: 30 };
export const kGgmlTypeName: Record<number, GgmlTypeName> = {
  0: 'F32',
  1: 'F16',
  8: 'Q8_0',
  30: 'BF16',
};

/** GGML_QUANT_SIZES: [block size in elements, bytes per block]. */
export const kBlock: Record<GgmlTypeName, [number, number]> = {
  F32: [1, 4],
  F16: [1, 2],
  BF16: [1, 2],
  Q8_0: [32, 2 + 32],
};

/** LlamaFileType (general.file_type) of a file whose matrices are of this type. */
export const kFileType: Record<GgmlTypeName, number> = { F32: 0, F16: 1, Q8_0: 7, BF16: 32 };

/** TokenType (tokenizer.ggml.token_type). */
export const kTokenType = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

/** Bytes of a tensor of `n` elements of type `t` (n a multiple of the block size). */
export function tensorBytes(t: GgmlTypeName, n: number): number {
  const [block, bytes] = kBlock[t];
  return (n / block) * bytes;
}
