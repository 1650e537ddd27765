import { describe, expect, it } from 'vitest';
import { recordSize } from '../../src/log/record-size.js';

const bytes = (n: number) => Buffer.alloc(n);

describe("a record's size in Kafka's record format", () => {
  it.each([
    // length prefix + attributes + timestamp delta + offset delta + key + value + header count + headers
    ['an empty record (null key and value)', { key: null, value: null }, 1 + 3 + 1 + 1 + 1],
    ['a 3-byte key and a 5-byte value', { key: bytes(3), value: bytes(5) }, 1 + 3 + 4 + 6 + 1],
    ['one header "h" = "v"', { key: bytes(3), value: bytes(5), headers: [{ name: 'h', value: bytes(1) }] }, 1 + 3 + 4 + 6 + 1 + 2 + 2],
    ['an empty header with a null value', { key: null, value: null, headers: [{ name: '', value: null }] }, 1 + 3 + 1 + 1 + 1 + 1 + 1],
    ['a header name counted in UTF-8 bytes', { key: null, value: null, headers: [{ name: 'é', value: null }] }, 1 + 3 + 1 + 1 + 1 + 3 + 1],
    // Lengths are zig-zag varints: 63 fits one byte, 64 takes two (and so does a record length of 69).
    ['a 63-byte value', { key: null, value: bytes(63) }, 2 + 3 + 1 + 64 + 1],
    ['a 64-byte value', { key: null, value: bytes(64) }, 2 + 3 + 1 + 66 + 1],
    // One byte over the default max.message.bytes (1,048,588): Kafka refuses a bare 1 MiB value too.
    ['a 1 MiB value', { key: null, value: bytes(1024 * 1024) }, 4 + 3 + 1 + 4 + 1024 * 1024 + 1],
  ])('counts %s', (_what, record, size) => {
    expect(recordSize(record)).toBe(size);
  });

  it('charges at least two bytes per header, so 600,000 empty headers are far over the default max.message.bytes', () => {
    const headers = Array.from({ length: 600_000 }, () => ({ name: '', value: Buffer.alloc(0) }));
    expect(recordSize({ key: null, value: null, headers })).toBeGreaterThan(1_048_588);
  });
});
