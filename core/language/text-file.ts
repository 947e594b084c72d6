/** Decodes a spec file's bytes, refusing binary and non-UTF-8 content with the offset of the first bad byte. */
export function decodeSpecBytes(bytes: Uint8Array): { text: string } | { error: string; offset: number } {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { error: 'file is binary (it contains NUL bytes), not YAML text', offset: nul };
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) return { error: `file is not UTF-8 text (invalid byte 0x${bytes[bad]!.toString(16).padStart(2, '0')})`, offset: bad };
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text };
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += length;
  }
  return -1;
}
