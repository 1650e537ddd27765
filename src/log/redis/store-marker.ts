import { randomUUID } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import { redisDataLost, type GatewayError } from '../../errors.js';
import type { RedisConnection } from '../../redis/connection.js';
import type { LogKeys } from './keys.js';
import { SLOTS, tagForSlot } from './slots.js';

/** Where the store reports what it notices on its own (the gateway's logger). */
export interface StoreLog {
  error(details: object, message: string): void;
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/** One marker key read to vouch for one primary's data. */
interface Probe {
  node: string;
  key: string;
}

/** Markers written per call while creating the 16384 of a Redis Cluster. */
const CREATE_CHUNK = 1024;
/** A Redis Cluster whose markers another gateway is still creating looks partial for a moment. */
const PARTIAL_RETRIES = 3;
const PARTIAL_WAIT_MS = 1000;

/**
 * Notices a Redis that lost its data (restarted without it, FLUSHALL) under a running gateway. A
 * random store id is written at the store's first start and read back at every check; once it is
 * gone the store refuses every call rather than restart offsets at 0 or re-create topics.
 *
 * Under Redis Cluster a node can lose its data while the others keep theirs, and a marker lives on
 * the one node that serves its slot. So the id is written into every one of the 16384 slots (one
 * small key each, about 2 MB in all), and a check reads, for each primary, the marker of a slot it
 * serves now: slots move between nodes with their keys, so a primary always holds markers, and
 * one that lost its data has none.
 */
export class StoreMarker {
  private id: string | undefined;
  private lost: GatewayError | undefined;
  private inFlight: { startedAt: number; done: Promise<void> } | undefined;
  /** When the last check that found the markers in place started (epoch ms). */
  private passedAt = 0;

  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: LogKeys,
    private readonly log: StoreLog,
  ) {}

  /**
   * At start: reads the store id, or writes one on a store that has none (a first start, or a Redis
   * that lost everything before this gateway started: nothing is left to tell them apart). Refuses
   * a Redis Cluster on which some primaries hold the markers and others do not.
   */
  async establish(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const found = await this.read();
      const ids = new Set([...found.values()].filter((value): value is string => value !== null));
      const missing = [...found].filter(([, value]) => value === null).map(([probe]) => probe.node);
      if (ids.size === 1 && missing.length === 0) {
        this.id = [...ids][0];
        return;
      }
      if (ids.size === 0) {
        this.id = await this.create();
        return;
      }
      if (attempt >= PARTIAL_RETRIES) {
        throw new Error(
          `Redis lost part of this store's data: the store marker (${this.keys.marker()}*) is gone from ${missing.join(', ') || 'some primaries'}` +
            `${ids.size > 1 ? ' and the primaries disagree on the store id' : ''}. Streamgate will not restart those partitions' offsets at 0. ` +
            `Restore the data of those nodes, or, to accept the loss, delete every ${this.keys.marker()}* key on every primary and start again.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, PARTIAL_WAIT_MS));
    }
  }

  /** Throws, without asking Redis, once the store was found to have lost its data. */
  assertIntact(): void {
    if (this.lost) throw this.lost;
  }

  /**
   * Reads the markers again unless a check that started at or after `since` (epoch ms) has passed
   * or is under way; throws once they are gone.
   */
  async verify(since = Date.now()): Promise<void> {
    this.assertIntact();
    if (this.passedAt >= since) return;
    if (!this.inFlight || this.inFlight.startedAt < since) {
      const startedAt = Date.now();
      const check = { startedAt, done: this.check(startedAt) };
      this.inFlight = check;
      void check.done
        .finally(() => {
          if (this.inFlight === check) this.inFlight = undefined;
        })
        .catch(() => undefined);
    }
    await this.inFlight.done;
  }

  private async check(startedAt: number): Promise<void> {
    const found = await this.read();
    const gone = [...found].filter(([, value]) => value !== this.id).map(([probe]) => probe.node);
    if (gone.length === 0) this.passedAt = Math.max(this.passedAt, startedAt);
    if (gone.length === 0 || this.lost) return this.assertIntact();
    this.lost = redisDataLost(`the store marker is gone from Redis at ${gone.join(', ')}`);
    this.log.error(
      { nodes: gone, marker: this.keys.marker() },
      "REDIS LOST THIS STORE'S DATA (restarted without it, or flushed): every request to the log store now fails. " +
        "Streamgate will not restart offsets at 0. Restore Redis's data and restart the gateway.",
    );
    throw this.lost;
  }

  /** For each primary, the marker that vouches for it. */
  private probes(): Probe[] {
    if (!(this.redis instanceof Cluster)) return [{ node: address(this.redis), key: this.keys.marker() }];
    const firstSlot = new Map<string, number>();
    const slots = this.redis.slots;
    for (let slot = 0; slot < SLOTS; slot++) {
      const owner = slots[slot]?.[0];
      if (owner !== undefined && !firstSlot.has(owner)) firstSlot.set(owner, slot);
    }
    return [...firstSlot].map(([node, slot]) => ({ node, key: this.keys.marker(tagForSlot(slot)) }));
  }

  private async read(): Promise<Map<Probe, string | null>> {
    const probes = this.probes();
    // Separate GETs: under Redis Cluster each goes to the node serving its slot.
    const values = await Promise.all(probes.map((probe) => this.redis.get(probe.key)));
    return new Map(probes.map((probe, i) => [probe, values[i]]));
  }

  /** Writes a new store id into every marker; a gateway starting at the same moment ends up with the same one. */
  private async create(): Promise<string> {
    const candidate = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    this.log.info(
      { marker: this.keys.marker() },
      'no store marker in Redis: starting a new store (a first start, or a Redis that lost its data while no gateway ran)',
    );
    if (!(this.redis instanceof Cluster)) {
      await this.redis.set(this.keys.marker(), candidate, 'NX');
      return (await this.redis.get(this.keys.marker())) ?? candidate;
    }
    const home = this.keys.marker(tagForSlot(0));
    await this.redis.set(home, candidate, 'NX');
    const id = (await this.redis.get(home)) ?? candidate;
    for (let from = 1; from < SLOTS; from += CREATE_CHUNK) {
      const chunk = Array.from({ length: Math.min(CREATE_CHUNK, SLOTS - from) }, (_, i) => from + i);
      await Promise.all(chunk.map((slot) => this.redis.set(this.keys.marker(tagForSlot(slot)), id, 'NX')));
    }
    return id;
  }
}

const address = (node: Redis): string => `${node.options.host}:${node.options.port}`;
