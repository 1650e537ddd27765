import type { RecordHeader } from '../store.js';

/**
 * Headers are stored in one stream field as bytes: u32 count, then per header u32 name length,
 * the UTF-8 name, i32 value length (-1 for a null value) and the value. Order and repeated names
 * are kept, values stay binary.
 */
export function encodeHeaders(headers: RecordHeader[]): Buffer {
  let size = 4;
  const names = headers.map((h) => Buffer.from(h.name, 'utf8'));
  headers.forEach((h, i) => (size += 8 + names[i].length + (h.value?.length ?? 0)));
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt32BE(headers.length, 0);
  headers.forEach((h, i) => {
    at = out.writeUInt32BE(names[i].length, at);
    at += names[i].copy(out, at);
    if (h.value === null) at = out.writeInt32BE(-1, at);
    else {
      at = out.writeInt32BE(h.value.length, at);
      at += h.value.copy(out, at);
    }
  });
  return out;
}

export function decodeHeaders(bytes: Buffer): RecordHeader[] {
  const count = bytes.readUInt32BE(0);
  const headers: RecordHeader[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    const nameLength = bytes.readUInt32BE(at);
    at += 4;
    const name = bytes.toString('utf8', at, at + nameLength);
    at += nameLength;
    const valueLength = bytes.readInt32BE(at);
    at += 4;
    if (valueLength < 0) headers.push({ name, value: null });
    else {
      headers.push({ name, value: Buffer.from(bytes.subarray(at, at + valueLength)) });
      at += valueLength;
    }
  }
  return headers;
}
