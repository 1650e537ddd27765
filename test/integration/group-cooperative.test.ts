import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupMember } from '../../src/groups/group-member.js';
import type { Services } from '../../src/services.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { balanced, OwnershipLog, until } from '../support/group-log.js';
import { suiteRedis } from '../support/redis.js';

const PARTITIONS = 6;
let redis: Awaited<ReturnType<typeof suiteRedis>>;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  redis = await suiteRedis();
  gateways.push(await startGateway({ redisUrl: redis.url }));
  gateways.push(await startGateway({ redisUrl: redis.url, prefix: gateways[0].config.keyPrefix }));
  await gateways[0].app.inject({ method: 'POST', url: `${gateways[0].v3}/topics`, payload: { topic_name: 'shared', partitions_count: PARTITIONS } });
});
afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await redis?.stop();
});

/** A member's delivery as a transport does it: read each held partition from its position on, as records arrive. */
class Reader {
  private readonly positions = new Map<number, number>();
  readonly delivered = new Map<number, number[]>();
  private readonly timer: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly services: Services) {
    this.timer = setInterval(() => void this.pump(), 5);
  }

  start(partitions: number[]): void {
    for (const p of partitions) this.positions.set(p, this.delivered.get(p)?.length ?? 0);
  }

  stop(partitions: number[]): void {
    for (const p of partitions) this.positions.delete(p);
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const [partition, offset] of this.positions) {
        const { records } = await this.services.fetch.read('shared', partition, { offset, maxRecords: 100, maxBytes: 1 << 20 });
        if (!this.positions.has(partition) || records.length === 0) continue;
        this.delivered.set(partition, [...(this.delivered.get(partition) ?? []), ...records.map((r) => r.offset)]);
        this.positions.set(partition, offset + records.length);
      }
    } finally {
      this.busy = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

const held = (member: GroupMember) => new Set(member.assignment().map((tp) => tp.partition));

describe('cooperative incremental rebalancing (cooperative-sticky)', () => {
  it('keeps delivering the partitions members keep while a third member joins: only the moved ones are revoked', async () => {
    const log = new OwnershipLog();
    const options = { group: 'cooperative', topics: ['shared'], assignor: 'cooperative-sticky' as const };
    const [one, other] = gateways.map((gw) => gw.app.services);
    const readers = { a: new Reader(one), b: new Reader(other), c: new Reader(other) };
    const a = await log.join(one, 'a', options, readers.a);
    const b = await log.join(other, 'b', options, readers.b);
    await until(() => balanced([a, b], PARTITIONS));
    const before = { a: held(a), b: held(b) };
    const mark = log.events.length;

    // Records keep coming, and a sampler watches who holds what, through the whole rebalance.
    let producing = true;
    const producer = (async () => {
      for (let round = 0; producing; round++) {
        for (let partition = 0; partition < PARTITIONS; partition++) {
          await gateways[0].app.inject({
            method: 'POST',
            url: `/topics/shared/partitions/${partition}`,
            headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
            payload: { records: [{ value: round }] },
          });
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const samples: Array<{ a: Set<number>; b: Set<number> }> = [];
    const sampler = setInterval(() => samples.push({ a: held(a), b: held(b) }), 2);

    await new Promise((r) => setTimeout(r, 200));
    const c = await log.join(other, 'c', options, readers.c);
    await until(() => balanced([a, b, c], PARTITIONS));
    await new Promise((r) => setTimeout(r, 200));
    producing = false;
    await producer;
    clearInterval(sampler);

    const kept = { a: [...before.a].filter((p) => held(a).has(p)), b: [...before.b].filter((p) => held(b).has(p)) };
    // Balance needs one partition from each; nothing else moved.
    expect(kept.a).toHaveLength(2);
    expect(kept.b).toHaveLength(2);
    expect(log.of('a', 'stop', mark)).toEqual([...before.a].filter((p) => !kept.a.includes(p)));
    expect(log.of('b', 'stop', mark)).toEqual([...before.b].filter((p) => !kept.b.includes(p)));
    expect(log.of('a', 'start', mark)).toEqual([]);
    expect(log.of('b', 'start', mark)).toEqual([]);
    log.expectExclusive();
    // The kept partitions never left their members at any moment...
    for (const sample of samples) {
      for (const p of kept.a) expect(sample.a.has(p)).toBe(true);
      for (const p of kept.b) expect(sample.b.has(p)).toBe(true);
    }
    // ...and their delivery went on: every record, once, in order, by the same member.
    for (const [member, partitions] of Object.entries(kept) as Array<['a' | 'b', number[]]>) {
      for (const partition of partitions) {
        const { nextOffset } = await one.fetch.offsets('shared', partition);
        await until(() => (readers[member].delivered.get(partition)?.length ?? 0) >= nextOffset, 5000, `partition ${partition} delivered`);
        expect(readers[member].delivered.get(partition)).toEqual(Array.from({ length: nextOffset }, (_, i) => i));
        expect(readers.c.delivered.has(partition)).toBe(false);
      }
    }
    for (const reader of Object.values(readers)) reader.close();
    for (const [services, member] of [
      [one, a],
      [other, b],
      [other, c],
    ] as const)
      await services.groups.leave(member);
  });
});
