import type { Config } from '../config.js';
import type { LogStore } from '../log/store.js';
import { effectiveConfig, type EffectiveTopicConfig } from '../topics/configs.js';

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

export type CompactionPolicy = (topic: string, partition: number, config: EffectiveTopicConfig, now: number) => Promise<{ removed: number }>;

export function compactionPolicy(store: LogStore, limits: CompactionLimits = DEFAULT_COMPACTION_LIMITS): CompactionPolicy {
  return async (topic, partition, config, now) => {
    if (!config.compacted || !(await compactionDue(store, topic, partition, config, now))) return { removed: 0 };
    let removed = 0;
    const options = { now, newestTimestamp: now - config.minCompactionLagMs, deleteRetentionMs: config.deleteRetentionMs, maxScan: limits.maxScan };
    for (let step = 0; step < limits.maxStepsPerVisit; step++) {
      const result = await store.compact(topic, partition, options);
      removed += result.removed;
      if (result.done) break;
    }
    return { removed };
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
  const { nextOffset } = await store.offsets(topic, partition);
  // The last record is never compacted, nor any record younger than the lag.
  let cleanableEnd = nextOffset - 1;
  if (config.minCompactionLagMs > 0) {
    const young = await store.offsetForTimestamp(topic, partition, now - config.minCompactionLagMs + 1);
    if (young !== undefined) cleanableEnd = Math.min(cleanableEnd, young);
  }
  const dirty = cleanableEnd - state.cleanedOffset;
  return dirty > 0 && dirty / state.records >= config.minCleanableDirtyRatio;
}

/**
 * Visits every partition of every compacted topic and applies the compaction policy. A stand-in for
 * the log cleaner that runs every lifecycle policy: `runOnce` is what tests drive with their own clock.
 */
export class CompactionRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly policy: CompactionPolicy;

  constructor(
    private readonly store: LogStore,
    private readonly config: Config,
    private readonly log: { warn(details: object, message: string): void },
    limits: CompactionLimits = DEFAULT_COMPACTION_LIMITS,
  ) {
    this.policy = compactionPolicy(store, limits);
  }

  /** One visit of every compacted partition at `now`; resolves with the records removed. Overlapping calls share one run. */
  runOnce(now: number = Date.now()): Promise<number> {
    this.running ??= this.visitAll(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async visitAll(now: number): Promise<number> {
    let removed = 0;
    for (const topic of await this.store.listTopics()) {
      const config = effectiveConfig(topic.configs, this.config);
      if (!config.compacted) continue;
      for (let partition = 0; partition < topic.partitions; partition++) {
        try {
          removed += (await this.policy(topic.name, partition, config, now)).removed;
        } catch (error) {
          // One partition failing (Redis briefly away) does not hold up the others; the next visit tries again.
          this.log.warn({ err: error, topic: topic.name, partition }, 'compaction of a partition failed');
        }
      }
    }
    return removed;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.runOnce().catch((error: unknown) => this.log.warn({ err: error }, 'compaction run failed'));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
