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
