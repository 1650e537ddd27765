import { describe, expect, it } from 'vitest';
import { decodeMessageIndexes, encodeMessageIndexes, readHeader, withHeader } from '../../src/registry/serde/wire-format.js';

describe('the Confluent wire format', () => {
  it('writes magic byte 0 and the schema id as a 4-byte big-endian integer before the payload', () => {
    expect([...withHeader(258, Buffer.from([9, 9]))]).toEqual([0, 0, 0, 1, 2, 9, 9]);
    expect(readHeader(Buffer.from([0, 0x7f, 0xff, 0xff, 0xff, 1]))).toEqual({ schemaId: 2 ** 31 - 1, payload: Buffer.from([1]) });
  });

  it('says why bytes are not in the wire format', () => {
    expect(readHeader(Buffer.from([0, 0, 0]))).toEqual({ error: expect.stringContaining('too short') });
    expect(readHeader(Buffer.from([1, 0, 0, 0, 1]))).toEqual({ error: expect.stringContaining('magic byte 1') });
  });
});

describe('Protobuf message indexes', () => {
  it.each([
    [[0], [0x00]],
    [[1], [0x02, 0x02]],
    [
      [0, 0],
      [0x04, 0x00, 0x00],
    ],
    [
      [2, 1],
      [0x04, 0x04, 0x02],
    ],
    [[70], [0x02, 0x8c, 0x01]],
  ])('writes %j as zig-zag varints %j (with [0] as the single byte 0x00)', (indexes, bytes) => {
    expect([...encodeMessageIndexes(indexes)]).toEqual(bytes);
    expect(decodeMessageIndexes(Buffer.from([...bytes, 0x0a]))).toEqual({ indexes, offset: bytes.length });
  });

  it('reads the long form of [0] that some serializers write', () => {
    expect(decodeMessageIndexes(Buffer.from([0x02, 0x00, 0x0a]))).toEqual({ indexes: [0], offset: 2 });
  });

  it('finds no indexes in bytes that end early or hold negative numbers', () => {
    expect(decodeMessageIndexes(Buffer.alloc(0))).toBeUndefined();
    expect(decodeMessageIndexes(Buffer.from([0x04, 0x00]))).toBeUndefined();
    expect(decodeMessageIndexes(Buffer.from([0x01]))).toBeUndefined();
    expect(decodeMessageIndexes(Buffer.from([0x02, 0x01]))).toBeUndefined();
    expect(decodeMessageIndexes(Buffer.from([0x82, 0x80, 0x80, 0x80, 0x80, 0x80]))).toBeUndefined();
  });
});
