/**
 * Kafka's default partitioner for keyed records, bit for bit the Java client's
 * (org.apache.kafka.common.utils.Utils.murmur2 and toPositive): the same key lands on the same
 * partition as with any Kafka client.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & ~3;
  const remainder = length & 3;
  if (remainder === 3) h ^= data[tail + 2] << 16;
  if (remainder >= 2) h ^= data[tail + 1] << 8;
  if (remainder >= 1) h = Math.imul(h ^ data[tail], m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which differs for MIN_VALUE). */
export const toPositive = (n: number): number => n & 0x7fffffff;

/** The partition of a keyed record: toPositive(murmur2(key)) % numPartitions. */
export const partitionForKey = (key: Uint8Array, numPartitions: number): number => toPositive(murmur2(key)) % numPartitions;

export type NullKeyStrategy = 'round-robin' | 'sticky';

/**
 * Chooses partitions for records without a key. Round-robin spreads records one by one; sticky
 * keeps a whole request on one partition and moves on with the next request (KIP-480's idea).
 */
export class NullKeyPartitioner {
  private readonly counters = new Map<string, number>();

  next(topic: string, numPartitions: number): number {
    const counter = this.counters.get(topic) ?? Math.floor(Math.random() * numPartitions);
    this.counters.set(topic, (counter + 1) % 0x7fffffff);
    return counter % numPartitions;
  }
}
