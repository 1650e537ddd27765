import { tpKey } from '../log/store.js';

/** Waits for a partition to grow past an offset without polling Redis in a loop. */
export interface RecordWaiter {
  /** Resolves true when records at or after `fromOffset` may exist, false on timeout or abort. */
  waitForRecords(topic: string, partition: number, fromOffset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}

const FRESH_MS = 250;
/** A partition with waiters is re-announced as watched this often (the store keeps the flag ~30 s). */
const WATCH_REFRESH_MS = 10_000;

interface Waiter {
  fromOffset: number;
  wake(found: boolean): void;
}

/**
 * Wakes readers waiting at the end of a partition when it grows, without polling: appends are
 * announced (in-process for this gateway's own produces, and over Redis pub/sub for every
 * gateway's, published by the append script itself), and each announcement wakes every local
 * waiter of that partition at once. A waiter also wakes on its timeout, so a missed
 * announcement only delays delivery, never loses it.
 */
export class AppendNotifier implements RecordWaiter {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly watchedAt = new Map<string, number>();

  /** `watch` tells the store that this gateway waits on a partition, so its appends get announced. */
  constructor(private readonly watch: (topic: string, partition: number) => Promise<void> = async () => undefined) {}
  /**
   * The last announcement per partition, to answer a waiter that registers just after an append
   * was announced (its read and the announcement crossed). Only fresh ones count, so a stale entry
   * (a deleted and re-created topic) cannot keep a reader spinning.
   */
  private readonly announced = new Map<string, { next: number; at: number }>();

  waitForRecords(topic: string, partition: number, fromOffset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const key = tpKey(topic, partition);
    const last = this.announced.get(key);
    if (last && last.next > fromOffset && Date.now() - last.at < FRESH_MS) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    if ((this.watchedAt.get(key) ?? 0) + WATCH_REFRESH_MS < Date.now()) {
      this.watchedAt.set(key, Date.now());
      // An append that landed before the store announced this partition went unannounced: once it
      // does, wake the waiters so they read again.
      this.watch(topic, partition).then(
        () => this.wakeAll(key),
        () => this.watchedAt.delete(key),
      );
    }
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const waiter: Waiter = {
        fromOffset,
        wake: (found) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', abort);
          set.delete(waiter);
          if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
          resolve(found);
        },
      };
      const abort = () => waiter.wake(false);
      const timer = setTimeout(() => waiter.wake(false), timeoutMs);
      signal?.addEventListener('abort', abort, { once: true });
      set.add(waiter);
    });
  }

  private wakeAll(key: string): void {
    for (const waiter of [...(this.waiters.get(key) ?? [])]) waiter.wake(true);
  }

  /** A partition's next offset is now `nextOffset`: wake everyone waiting below it. */
  announce(topic: string, partition: number, nextOffset: number): void {
    const key = tpKey(topic, partition);
    this.announced.set(key, { next: nextOffset, at: Date.now() });
    const set = this.waiters.get(key);
    if (!set) return;
    for (const waiter of [...set]) if (waiter.fromOffset < nextOffset) waiter.wake(true);
  }
}
