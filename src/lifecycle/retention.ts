import type { LogStore } from '../log/store.js';
import { TRIM_STEP_BYTES, TRIM_STEP_RECORDS } from '../log/trim-steps.js';
import type { EffectiveTopicConfig } from '../topics/configs.js';
import type { CleanResult, CleanupPolicy } from './cleanup-policy.js';

/**
 * Trim calls one visit makes at most (so at most this × TRIM_STEP_RECORDS records go per partition
 * per pass): a partition whose backlog is larger, or that is produced to faster than it is trimmed,
 * does not keep the cleaner from the other partitions; the next pass, which then starts at once,
 * goes on.
 */
const MAX_STEPS_PER_VISIT = 256;

/**
 * Kafka's `cleanup.policy=delete`: `retention.ms` removes records whose timestamp is older than
 * that, `retention.bytes` removes the oldest records while the partition stores more than that
 * (counted as `storedSize`). The unit is the record, from the head of the log: a record goes once
 * it is past either limit and every record before it has gone (Kafka removes whole segments, so
 * keeps a little more; here the memory held stays at the limit). A record whose timestamp lies in
 * the future holds back the records behind it, as a segment holding it does in Kafka.
 */
export function retentionPolicy(store: LogStore): CleanupPolicy {
  return {
    name: 'delete',
    appliesTo: (config: EffectiveTopicConfig) => config.cleanupPolicy.includes('delete') && (config.retentionMs >= 0 || config.retentionBytes >= 0),
    async clean(topic: string, partition: number, config: EffectiveTopicConfig, now: number): Promise<CleanResult> {
      const limits = {
        beforeTimestamp: config.retentionMs >= 0 ? now - config.retentionMs : undefined,
        maxBytes: config.retentionBytes >= 0 ? config.retentionBytes : undefined,
        maxRecords: TRIM_STEP_RECORDS,
        maxStepBytes: TRIM_STEP_BYTES,
      };
      const done: CleanResult = { removedRecords: 0, removedBytes: 0 };
      for (let step = 0; step < MAX_STEPS_PER_VISIT; step++) {
        const result = await store.trimHead(topic, partition, limits);
        done.removedRecords += result.removedRecords;
        done.removedBytes += result.removedBytes;
        if (!result.more) return done;
      }
      return { ...done, more: true };
    },
  };
}
