import type { LogStore, TrimLimits } from './store.js';

/**
 * The budget of one trim call: at most this many records, stopping after the record that brings the
 * removed bytes to TRIM_STEP_BYTES. On Redis one call reads and removes them in one Lua script,
 * during which Redis serves nobody else, so a huge backlog goes in many short calls instead of one
 * long one (bench:lifecycle measures the longest call).
 */
export const TRIM_STEP_RECORDS = 256;
export const TRIM_STEP_BYTES = 256 * 1024;

/** Calls `trimHead` until it has nothing more to remove; returns the final log start offset. */
export async function trimInSteps(store: LogStore, topic: string, partition: number, limits: Omit<TrimLimits, 'maxRecords' | 'maxStepBytes'>): Promise<number> {
  for (;;) {
    const result = await store.trimHead(topic, partition, { ...limits, maxRecords: TRIM_STEP_RECORDS, maxStepBytes: TRIM_STEP_BYTES });
    if (!result.more) return result.logStartOffset;
  }
}
