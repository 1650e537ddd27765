import type { RecordHeader } from './store.js';

/**
 * Bytes of a length in Kafka's record format: a zig-zag varint, so a length n takes the bytes of
 * 2n in 7-bit groups, and a null (-1) takes one byte.
 */
function varintSize(value: number): number {
  const zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  if (zigzag < 0x80) return 1;
  if (zigzag < 0x4000) return 2;
  if (zigzag < 0x200000) return 3;
  if (zigzag < 0x10000000) return 4;
  return 5;
}

const fieldSize = (bytes: Buffer | null): number => (bytes === null ? 1 : varintSize(bytes.length) + bytes.length);

/**
 * Bytes a record takes in Kafka's record format (v2, the `DefaultRecord` of a batch), which is what
 * counts against `max.message.bytes` and read byte budgets: its length prefix, attributes,
 * timestamp and offset deltas (one byte each for a record alone in its batch), the key and value
 * with their length prefixes, the header count, and per header the name and value with theirs.
 * So a header costs at least two bytes however empty it is. The 61-byte batch header is not
 * counted: the gateway stores and limits records one by one.
 */
export function recordSize(record: { key: Buffer | null; value: Buffer | null; headers?: readonly RecordHeader[] }): number {
  const headers = record.headers ?? [];
  let body = 3 + fieldSize(record.key) + fieldSize(record.value) + varintSize(headers.length);
  for (const header of headers) {
    const nameBytes = Buffer.byteLength(header.name);
    body += varintSize(nameBytes) + nameBytes + fieldSize(header.value);
  }
  return varintSize(body) + body;
}

/**
 * Bytes a record's fields take as the log stores them: the timestamp's decimal digits, the key,
 * the value and the headers' encoding (see redis/record-codec.ts: a u32 count, then per header u32
 * name length, name, i32 value length and value) when there are headers. This is what a
 * partition's stored-bytes count and `retention.bytes` measure; Redis's own per-entry overhead
 * (entry ids, field names, listpack framing) is not counted.
 */
export function storedSize(record: { key: Buffer | null; value: Buffer | null; headers: readonly RecordHeader[]; timestamp: number }): number {
  let size = String(record.timestamp).length + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  if (record.headers.length > 0) {
    size += 4;
    for (const header of record.headers) size += 8 + Buffer.byteLength(header.name) + (header.value?.length ?? 0);
  }
  return size;
}
