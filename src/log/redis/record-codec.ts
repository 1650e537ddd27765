import type { RecordHeader } from '../store.js';
import type { StoredRecord } from './record-compression.js';

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

const FLAG_KEY = 1;
const FLAG_VALUE = 2;
const FLAG_HEADERS = 4;
const FLAG_TIMESTAMP = 8;
const FLAG_CODEC = 16;

/**
 * A batch of records as one script argument (see append.lua): per record u8 flags (1 key, 2 value,
 * 4 headers present, 8 timestamp follows, 16 codec marker follows), then the timestamp's digits
 * after a u8 length when it differs from the record before, the codec marker after a u8 length, and
 * u32 length + bytes of key, value and headers when present.
 * One argument instead of several per record keeps the client's command encoding and Redis's
 * argument parsing out of the per-record cost.
 */
export function packRecords(records: readonly StoredRecord[]): Buffer {
  const stamps = new Array<string | undefined>(records.length);
  const headers = new Array<Buffer | undefined>(records.length);
  let size = 0;
  let previous: number | undefined;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (record.timestamp !== previous) {
      previous = record.timestamp;
      stamps[i] = String(record.timestamp);
      size += 1 + stamps[i]!.length;
    }
    if (record.codec !== undefined) size += 1 + record.codec.length;
    if (record.headers.length > 0) size += 4 + (headers[i] = encodeHeaders(record.headers)).length;
    if (record.key !== null) size += 4 + record.key.length;
    if (record.value !== null) size += 4 + record.value.length;
    size += 1;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const { key, value, codec } = records[i];
    const stamp = stamps[i];
    const header = headers[i];
    out[at++] =
      (key !== null ? FLAG_KEY : 0) |
      (value !== null ? FLAG_VALUE : 0) |
      (header !== undefined ? FLAG_HEADERS : 0) |
      (stamp !== undefined ? FLAG_TIMESTAMP : 0) |
      (codec !== undefined ? FLAG_CODEC : 0);
    if (stamp !== undefined) {
      out[at++] = stamp.length;
      at += out.write(stamp, at, 'latin1');
    }
    if (codec !== undefined) {
      out[at++] = codec.length;
      at += out.write(codec, at, 'latin1');
    }
    if (key !== null) at = writeBytes(out, at, key);
    if (value !== null) at = writeBytes(out, at, value);
    if (header !== undefined) at = writeBytes(out, at, header);
  }
  return out;
}

function writeBytes(out: Buffer, at: number, bytes: Buffer): number {
  out.writeUInt32BE(bytes.length, at);
  out.set(bytes, at + 4);
  return at + 4 + bytes.length;
}
