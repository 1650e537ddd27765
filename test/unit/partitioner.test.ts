import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { NullKeyPartitioner, murmur2, partitionForKey, toPositive } from '../../src/produce/partitioner.js';

describe('the default partitioner', () => {
  // Vectors from the Java client's own test of Utils.murmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])("hashes %j exactly as Kafka's murmur2 does", (key, expected) => {
    expect(murmur2(Buffer.from(key))).toBe(expected);
  });

  it('clears the sign bit like Utils.toPositive instead of taking the absolute value', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(2147483647);
    expect(toPositive(5)).toBe(5);
  });

  it("gives every keyed record the partition kafkajs' JavaCompatiblePartitioner gives it", () => {
    const reference = kafkajs.Partitioners.JavaCompatiblePartitioner();
    for (const partitions of [1, 2, 3, 7, 12, 100]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        partitionErrorCode: 0,
        replicas: [0],
        isr: [0],
      }));
      for (let i = 0; i < 300; i++) {
        const key = randomBytes(i % 40);
        const expected = reference({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect(partitionForKey(key, partitions)).toBe(expected);
      }
    }
  });

  it('uses % numPartitions, never % (numPartitions - 1)', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(partitionForKey(Buffer.from(`key-${i}`), 4));
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
  });

  it('spreads keyless records round-robin over every partition', () => {
    const partitioner = new NullKeyPartitioner();
    const chosen = Array.from({ length: 12 }, () => partitioner.next('orders', 4));
    for (let i = 4; i < chosen.length; i++) expect(chosen[i]).toBe(chosen[i - 4]);
    expect(new Set(chosen).size).toBe(4);
  });
});
