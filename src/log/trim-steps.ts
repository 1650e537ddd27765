import type { LogStore, TrimLimits } from './store.js';

/**
 * Most records one trim call removes. One call on Redis reads and removes this many entries in one
 * Lua script, during which Redis serves nobody else: a thousand 1 KB records take about a
 * millisecond there (bench:lifecycle measures the longest call), so a huge backlog is removed in
 * many short calls instead of one long one.
 */
export const TRIM_STEP_RECORDS = 1000;

/** Calls `trimHead` until it has nothing more to remove; returns the final log start offset. */
export async function trimInSteps(store: LogStore, topic: string, partition: number, limits: Omit<TrimLimits, 'maxRecords'>): Promise<number> {
  for (;;) {
    const result = await store.trimHead(topic, partition, { ...limits, maxRecords: TRIM_STEP_RECORDS });
    if (!result.more) return result.logStartOffset;
  }
}
