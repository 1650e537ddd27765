import type { EffectiveTopicConfig } from '../topics/configs.js';

/** What one policy did to one partition in one visit. */
export interface CleanResult {
  removedRecords: number;
  removedBytes: number;
  /** The policy stopped at its budget for one visit with work left: the cleaner's next pass starts without waiting. */
  more?: boolean;
}

/**
 * A cleanup policy, as the log cleaner runs it (Kafka's `cleanup.policy` values are policies: the
 * retention policy is `delete`, compaction is `compact`; a topic with `compact,delete` gets both). The cleaner visits every partition
 * of every topic each pass and calls `clean` for each policy whose `appliesTo` accepts the topic's
 * configs, in the order the policies were given. `config` is read fresh every pass, so a changed
 * topic config takes effect at the next pass; `now` is the pass's clock (tests inject one).
 *
 * A policy must be safe to run on several gateways at once against the same partition: each change
 * it makes is one atomic store call that re-reads the partition's state and never moves its log
 * start backwards, so a concurrent duplicate is a no-op. It should bound each store call (the
 * retention policy removes at most TRIM_STEP_RECORDS records or about TRIM_STEP_BYTES per call) and each visit, and leave the
 * rest to the next pass.
 */
export interface CleanupPolicy {
  readonly name: string;
  appliesTo(config: EffectiveTopicConfig): boolean;
  clean(topic: string, partition: number, config: EffectiveTopicConfig, now: number): Promise<CleanResult>;
}
