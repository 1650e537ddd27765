import type { LogStore } from '../log/store.js';
import type { EffectiveTopicConfig } from '../topics/configs.js';
import type { CleanResult, CleanupPolicy } from './cleanup-policy.js';

/**
 * Kafka's log compaction (cleanup.policy=compact) as a per-partition policy: when enough of a
 * partition is dirty (appended since the last pass) or a tombstone's delete.retention.ms has run
 * out, it runs compaction passes over the partition in bounded store steps. The store does the
 * removing (LogStore.compact); this decides when, and how much per visit.
 */

export interface CompactionLimits {
  /** Records one store step looks at: bounds how long one call holds Redis. */
  maxScan: number;
  /** Store steps per visit of a partition; a pass left unfinished goes on at the next visit, where it stopped. */
  maxStepsPerVisit: number;
}

export const DEFAULT_COMPACTION_LIMITS: CompactionLimits = { maxScan: 250, maxStepsPerVisit: 200 };

/**
 * Kafka's `cleanup.policy=compact` for the log cleaner: a partition due for compaction (see
 * compactionDue) gets compaction steps until its pass is done or the visit's budget is spent; a
 * pass left unfinished goes on at the next visit, where it stopped (the store keeps its cursor).
 */
export function compactionPolicy(store: LogStore, limits: CompactionLimits = DEFAULT_COMPACTION_LIMITS): CleanupPolicy {
  return {
    name: 'compact',
    appliesTo: (config: EffectiveTopicConfig) => config.compacted,
    async clean(topic: string, partition: number, config: EffectiveTopicConfig, now: number): Promise<CleanResult> {
      const done: CleanResult = { removedRecords: 0, removedBytes: 0 };
      if (!(await compactionDue(store, topic, partition, config, now))) return done;
      const options = { now, newestTimestamp: now - config.minCompactionLagMs, deleteRetentionMs: config.deleteRetentionMs, maxScan: limits.maxScan };
      for (let step = 0; step < limits.maxStepsPerVisit; step++) {
        const result = await store.compact(topic, partition, options);
        done.removedRecords += result.removed;
        done.removedBytes += result.removedBytes;
        if (result.done) return done;
      }
      return { ...done, more: true };
    },
  };
}

/**
 * Kafka's trigger, counted in records instead of bytes: the dirty part of the log (offsets from where
 * the last pass stopped up to the first record still within min.compaction.lag.ms) is at least
 * min.cleanable.dirty.ratio of the records stored. Also due: a pass under way, and a tombstone whose
 * delete.retention.ms has run out (Kafka's cleaner removes those on its next pass).
 */
async function compactionDue(store: LogStore, topic: string, partition: number, config: EffectiveTopicConfig, now: number): Promise<boolean> {
  const state = await store.compactionState(topic, partition);
  if (state.records === 0) return false;
  if (state.cursor !== undefined) return true;
  if (state.oldestTombstoneSeenAt !== undefined && state.oldestTombstoneSeenAt + config.deleteRetentionMs <= now) return true;
  // The last record is never compacted, nor any record younger than the lag.
  let cleanableEnd = state.nextOffset - 1;
  if (config.minCompactionLagMs > 0) {
    const young = await store.offsetForTimestamp(topic, partition, now - config.minCompactionLagMs + 1);
    if (young !== undefined) cleanableEnd = Math.min(cleanableEnd, young);
  }
  const dirty = cleanableEnd - state.cleanedOffset;
  return dirty > 0 && dirty / state.records >= config.minCleanableDirtyRatio;
}
