// CRC-32 (IEEE 802.3, the polynomial zlib and PNG use), over byte arrays: the checksum a checkpoint
// carries, so that a file damaged on disk (flipped bytes, a torn write) is detected at resume
// instead of silently training on from garbage.
const kTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of the concatenation of `parts` (pass the previous result as `crc` to continue). */
export function crc32(parts: readonly ArrayBufferView[], crc = 0): number {
  let c = ~crc >>> 0;
  for (const p of parts) {
    const b = new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
    for (let i = 0; i < b.length; i++) c = kTable[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  }
  return ~c >>> 0;
}
