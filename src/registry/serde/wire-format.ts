/**
 * The Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian integer, then
 * the payload. Protobuf payloads start with the message indexes: which message of the schema
 * file this is, as a path of zig-zag varints (count, then each index), with the common path
 * `[0]` written as the single byte 0x00.
 */
export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

/** The payload behind a header: one buffer, written once (this runs for every key and value produced with a schema). */
export function withHeader(schemaId: number, payload: Buffer): Buffer {
  const bytes = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  bytes[0] = MAGIC_BYTE;
  bytes.writeInt32BE(schemaId, 1);
  payload.copy(bytes, HEADER_BYTES);
  return bytes;
}

/** The schema id and payload of wire-format bytes, or why they are not in the wire format. */
export function readHeader(bytes: Buffer): { schemaId: number; payload: Buffer } | { error: string } {
  if (bytes.length < HEADER_BYTES) return { error: `${bytes.length} bytes are too short for the Confluent wire format (magic byte and 4-byte schema id)` };
  if (bytes[0] !== MAGIC_BYTE) return { error: `unknown magic byte ${bytes[0]} (the Confluent wire format starts with 0)` };
  return { schemaId: bytes.readInt32BE(1), payload: bytes.subarray(HEADER_BYTES) };
}

function writeZigZagVarint(value: number, out: number[]): void {
  let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  while (zigzag > 0x7f) {
    out.push((zigzag & 0x7f) | 0x80);
    zigzag >>>= 7;
  }
  out.push(zigzag);
}

/** Reads one zig-zag varint (at most 5 bytes, a 32-bit value); undefined when the bytes end or run on. */
function readZigZagVarint(bytes: Buffer, offset: number): { value: number; next: number } | undefined {
  let result = 0;
  for (let i = 0; i < 5; i++) {
    if (offset + i >= bytes.length) return undefined;
    const byte = bytes[offset + i];
    result |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return { value: (result >>> 1) ^ -(result & 1), next: offset + i + 1 };
  }
  return undefined;
}

export function encodeMessageIndexes(indexes: number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const out: number[] = [];
  writeZigZagVarint(indexes.length, out);
  for (const index of indexes) writeZigZagVarint(index, out);
  return Buffer.from(out);
}

/** The message indexes at the start of a Protobuf payload and where the message starts; undefined when they are not well formed. */
export function decodeMessageIndexes(payload: Buffer): { indexes: number[]; offset: number } | undefined {
  const count = readZigZagVarint(payload, 0);
  if (!count || count.value < 0) return undefined;
  if (count.value === 0) return { indexes: [0], offset: count.next };
  const indexes: number[] = [];
  let offset = count.next;
  for (let i = 0; i < count.value; i++) {
    const index = readZigZagVarint(payload, offset);
    if (!index || index.value < 0) return undefined;
    indexes.push(index.value);
    offset = index.next;
  }
  return { indexes, offset };
}
