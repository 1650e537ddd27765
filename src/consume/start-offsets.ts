import { noOffsetForPartition, offsetOutOfRange } from '../errors.js';
import type { PartitionOffsets, TopicPartition } from '../log/store.js';

/** Kafka's `auto.offset.reset`: where a partition without a usable committed offset starts. */
export type OffsetResetPolicy = 'earliest' | 'latest' | 'none';

/**
 * Where a consumer starts reading a partition: at `committed` (the next offset to read) while the
 * log still holds it, otherwise per `auto.offset.reset` — `none` refuses, as Kafka's consumer
 * throws NoOffsetForPartition (no commit) or OffsetOutOfRange (a commit retention has passed).
 * Every transport (WebSocket, SSE, v2 instances) starts partitions through this one rule.
 */
export function startingOffset(tp: TopicPartition, committed: number | undefined, log: PartitionOffsets, reset: OffsetResetPolicy): number {
  if (committed !== undefined && committed >= log.logStartOffset && committed <= log.nextOffset) return committed;
  if (reset === 'none') throw committed === undefined ? noOffsetForPartition(tp) : offsetOutOfRange(tp, committed, log);
  return reset === 'earliest' ? log.logStartOffset : log.nextOffset;
}
