import type { Topic, TopicService } from '../topics/topic-service.js';
import type { CleanResult, CleanupPolicy } from './cleanup-policy.js';

export interface LogCleanerOptions {
  /** Time between the end of one pass and the start of the next (LOG_RETENTION_CHECK_INTERVAL_MS). */
  intervalMs: number;
  /** The cleaner's clock, in epoch ms (tests inject one). */
  now?: () => number;
  /** Partitions visited at the same time. */
  concurrency?: number;
  log?: { warn(details: object, message: string): void };
}

/** Totals since the cleaner started, for `/metrics` and the benchmark. */
export interface CleanerTotals {
  passes: number;
  removedRecords: number;
  removedBytes: number;
  /** Visits whose policy failed (Redis unreachable, a partition refused). */
  failedVisits: number;
}

const DEFAULT_CONCURRENCY = 4;

/** Fisher–Yates: every gateway visits the partitions in its own random order. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * The background log cleaner (Kafka's log cleaner and retention check in one): every pass lists
 * the topics afresh, and visits each partition of each topic, running the cleanup policies that
 * apply to its configs. Every gateway runs one; a partition visited by two gateways at once is safe
 * (see CleanupPolicy), and each gateway walks the partitions in a random order, so when passes run
 * long no partition waits behind the same others every time.
 */
export class LogCleaner {
  readonly totals: CleanerTotals = { passes: 0, removedRecords: 0, removedBytes: 0, failedVisits: 0 };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly now: () => number;

  constructor(
    private readonly topics: TopicService,
    private readonly policies: readonly CleanupPolicy[],
    private readonly options: LogCleanerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Runs the first pass at once, then one every interval. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops scheduling passes and waits for a running one to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** The next pass, an interval after the last one ended, or at once when the last one left work behind. */
  private schedule(delayMs = this.options.intervalMs): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      let more = false;
      this.running = this.pass()
        .then((result) => void (more = result.more === true))
        .catch((error: unknown) => this.options.log?.warn({ err: error }, 'log cleaner pass failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule(more ? 0 : this.options.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One visit of every partition at `now` (the cleaner's clock unless a test gives its own); resolves with what was removed. */
  async pass(now: number = this.now()): Promise<CleanResult> {
    const visits: Array<{ topic: Topic; partition: number; policies: CleanupPolicy[] }> = [];
    for (const topic of await this.topics.list()) {
      const policies = this.policies.filter((policy) => policy.appliesTo(topic.effective));
      if (policies.length === 0) continue;
      for (let partition = 0; partition < topic.partitions; partition++) visits.push({ topic, partition, policies });
    }
    shuffle(visits);
    const done: CleanResult = { removedRecords: 0, removedBytes: 0 };
    let failures = 0;
    let firstError: unknown;
    const worker = async () => {
      for (let visit = visits.pop(); visit; visit = visits.pop()) {
        for (const policy of visit.policies) {
          try {
            const result = await policy.clean(visit.topic.name, visit.partition, visit.topic.effective, now);
            done.removedRecords += result.removedRecords;
            done.removedBytes += result.removedBytes;
            if (result.more) done.more = true;
          } catch (error) {
            failures++;
            firstError ??= error;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency ?? DEFAULT_CONCURRENCY }, worker));
    this.totals.passes++;
    this.totals.removedRecords += done.removedRecords;
    this.totals.removedBytes += done.removedBytes;
    this.totals.failedVisits += failures;
    // One line per pass, not per partition: with Redis unreachable every visit fails.
    if (failures > 0) this.options.log?.warn({ err: firstError, failures }, `log cleaner: ${failures} partition visits failed`);
    return done;
  }
}
