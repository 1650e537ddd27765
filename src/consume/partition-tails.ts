import type { RecordWaiter } from '../fetch/append-notifier.js';
import type { RecordRenderer } from './delivered-record.js';
import type { FeedRead, PartitionFeeds } from './partition-feeds.js';

/** A consumer parked at the end of a partition: the tail hands it each new batch, synchronously. */
export interface TailFollower {
  /** The format it delivers in: the tail renders each batch in it before the offer. */
  readonly format: string;
  readonly render: RecordRenderer;
  /**
   * Delivers what it can of the batch from `read.index` on, at once (no await); true when it took
   * all of it and stays at the tail, false when it leaves (held back, or took only part).
   */
  offer(read: FeedRead): boolean;
  /** The follower is out of the tail (it left, or the tail's read failed): it goes back to reading on its own. */
  dropped(): void;
}

/** How long the tail waits for an append before it reads again anyway (a missed announcement only delays). */
const WAIT_MS = 20_000;

/** The followers of one partition at one offset, and the one loop that waits, reads and offers for all of them. */
interface Tail {
  topic: string;
  partition: number;
  offset: number;
  followers: Set<TailFollower>;
  /** Aborts the tail's wait once it has no followers left. */
  wait: AbortController;
}

const tailKey = (topic: string, partition: number, offset: number) => `${topic}\u0000${partition}\u0000${offset}`;

/**
 * Consumers caught up with a partition, served by one loop per partition instead of one each: the
 * loop waits for the next append, reads the batch once, renders it once per format and offers it
 * to every follower in one synchronous pass. A thousand sockets tailing a partition then cost one
 * wait, one read and a thousand plain function calls per batch, not a thousand timers, abort
 * listeners and chains of awaits. A follower that cannot take a whole batch (credit, a backed-up
 * socket, a pause) leaves, and reads on its own until it is caught up again.
 */
export class PartitionTails {
  private readonly tails = new Map<string, Tail>();
  /** Where each follower is parked now (tails move on as they deliver). */
  private readonly where = new Map<TailFollower, Tail>();

  constructor(
    private readonly feeds: PartitionFeeds,
    private readonly waiter: RecordWaiter,
  ) {}

  /** Parks `follower` at `offset` of the partition (where its own read found the end). */
  follow(topic: string, partition: number, offset: number, follower: TailFollower): void {
    const key = tailKey(topic, partition, offset);
    let tail = this.tails.get(key);
    const start = !tail;
    if (!tail) {
      tail = { topic, partition, offset, followers: new Set(), wait: new AbortController() };
      this.tails.set(key, tail);
    }
    // A tail whose last follower left meanwhile has aborted its wait: a new one for the newcomer.
    if (tail.wait.signal.aborted) tail.wait = new AbortController();
    tail.followers.add(follower);
    this.where.set(follower, tail);
    if (start) void this.run(tail);
  }

  /** Takes `follower` out of its tail (seek, pause, revoke, close). */
  unfollow(follower: TailFollower): void {
    const tail = this.where.get(follower);
    if (!tail) return;
    this.where.delete(follower);
    tail.followers.delete(follower);
    if (tail.followers.size === 0) tail.wait.abort();
  }

  private async run(tail: Tail): Promise<void> {
    try {
      for (;;) {
        const read = await this.feeds.read(tail.topic, tail.partition, tail.offset);
        if (tail.followers.size === 0) return this.forget(tail);
        if (!read) {
          await this.waiter.waitForRecords(tail.topic, tail.partition, tail.offset, WAIT_MS, tail.wait.signal);
          if (tail.followers.size === 0) return this.forget(tail);
          continue;
        }
        const formats = new Map<string, RecordRenderer>();
        for (const follower of tail.followers) formats.set(follower.format, follower.render);
        for (const [format, render] of formats) await read.batch.rendered(format, render);
        const stayers: TailFollower[] = [];
        for (const follower of [...tail.followers]) if (this.offer(follower, read)) stayers.push(follower);
        this.forget(tail);
        if (stayers.length === 0) return;
        const next = read.batch.endOffset;
        const ahead = this.tails.get(tailKey(tail.topic, tail.partition, next));
        if (ahead) {
          // Another tail is already there: they go on together.
          for (const follower of stayers) {
            ahead.followers.add(follower);
            this.where.set(follower, ahead);
          }
          return;
        }
        tail.offset = next;
        tail.followers = new Set(stayers);
        this.tails.set(tailKey(tail.topic, tail.partition, next), tail);
        for (const follower of stayers) this.where.set(follower, tail);
        if (read.atEnd) await this.waiter.waitForRecords(tail.topic, tail.partition, next, WAIT_MS, tail.wait.signal);
        if (tail.followers.size === 0) return this.forget(tail);
      }
    } catch {
      // The read failed: every follower reads on its own again and meets the error itself.
      const followers = [...tail.followers];
      this.forget(tail);
      for (const follower of followers) follower.dropped();
    }
  }

  /** Offers the batch; a follower that leaves (or fails) is let go to read on its own. */
  private offer(follower: TailFollower, read: FeedRead): boolean {
    let stays = false;
    try {
      stays = follower.offer(read);
    } catch {
      stays = false;
    }
    if (!stays) {
      this.where.delete(follower);
      follower.dropped();
    }
    return stays;
  }

  /** The tail has no followers any more, or they moved on to the next offset. */
  private forget(tail: Tail): void {
    const key = tailKey(tail.topic, tail.partition, tail.offset);
    if (this.tails.get(key) === tail) this.tails.delete(key);
    for (const follower of tail.followers) if (this.where.get(follower) === tail) this.where.delete(follower);
    tail.followers.clear();
  }
}
