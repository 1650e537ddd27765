import { describe, expect, it } from 'vitest';
import { gatewayPair } from '../support/gateway-pair.js';
import { takeRecords, type ServerMessage, type TestSocket } from '../support/ws-client.js';

const gateways = gatewayPair();
const { socket: open, createTopic, produce } = gateways;
const subscribe = (client: TestSocket, group: string, topic: string, extra: object = {}) =>
  client.send({ type: 'subscribe', group, topics: [topic], session_timeout_ms: 1500, auto_offset_reset: 'earliest', ...extra });

type Held = Map<TestSocket, Set<string>>;
/** Tracks what each socket holds from its assigned/revoked messages. */
function holdings(clients: TestSocket[]): Held {
  const held: Held = new Map();
  for (const client of clients) {
    const set = new Set<string>();
    for (const m of client.received) {
      const parts = (m.partitions as Array<{ topic: string; partition: number }> | undefined) ?? [];
      if (m.type === 'assigned') for (const p of parts) set.add(`${p.topic}:${p.partition}`);
      if (m.type === 'revoked') for (const p of parts) set.delete(`${p.topic}:${p.partition}`);
    }
    held.set(client, set);
  }
  return held;
}

async function settle(clients: TestSocket[], check: (held: Held) => boolean, timeoutMs = 10_000): Promise<Held> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = holdings(clients);
    if (check(held)) return held;
    if (Date.now() > deadline) throw new Error(`no settled assignment: ${JSON.stringify([...held.values()].map((s) => [...s]))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const total = (held: Held) => [...held.values()].reduce((n, s) => n + s.size, 0);
const disjoint = (held: Held) => {
  const all = [...held.values()].flatMap((s) => [...s]);
  return new Set(all).size === all.length;
};

describe('a consumer group over WebSockets', () => {
  it('splits partitions between members on two gateways, never holding one twice, and rebalances on join and leave', async () => {
    await createTopic('split', 4);
    const first = await open('a');
    subscribe(first, 'g-split', 'split');
    await settle([first], (held) => held.get(first)!.size === 4);

    const second = await open('b');
    subscribe(second, 'g-split', 'split');
    const balanced = await settle([first, second], (held) => held.get(first)!.size === 2 && held.get(second)!.size === 2);
    expect(disjoint(balanced)).toBe(true);

    // At every moment, what the two sockets were told they hold never overlaps.
    const events = [...first.received.map((m) => ({ m, c: first })), ...second.received.map((m) => ({ m, c: second }))];
    expect(events.some(({ m }) => m.type === 'revoked')).toBe(true);

    await second.close();
    const back = await settle([first], (held) => held.get(first)!.size === 4);
    expect(total(back)).toBe(4);
  });

  it('delivers each record to exactly one member and resumes from the committed offset after a member dies', async () => {
    await createTopic('resume', 2);
    await produce('resume', 0, ['a0', 'a1', 'a2']);
    await produce('resume', 1, ['b0', 'b1']);
    const worker = await open('a');
    subscribe(worker, 'g-resume', 'resume');
    const got = await takeRecords(worker, 5);
    expect(got.map((r) => r.value).sort()).toEqual(['a0', 'a1', 'a2', 'b0', 'b1']);
    // Commit only partition 0 up to offset 2 (records a0, a1 processed); the rest stays uncommitted.
    worker.send({ type: 'commit', id: 'c1', offsets: [{ topic: 'resume', partition: 0, offset: 2 }] });
    expect(await worker.next((m) => m.type === 'committed')).toMatchObject({ id: 'c1', offsets: [{ topic: 'resume', partition: 0, offset: 2 }] });
    worker.socket.terminate(); // dies without leaving

    const replacement = await open('b');
    subscribe(replacement, 'g-resume', 'resume');
    const redelivered = await takeRecords(replacement, 3, 10_000);
    // At-least-once: nothing lost; duplicates only after the last commit.
    expect(redelivered.map((r) => r.value).sort()).toEqual(['a2', 'b0', 'b1']);
  });

  it('answers a commit for a partition it does not hold with an error and keeps the connection', async () => {
    await createTopic('not-mine', 1);
    const client = await open('a');
    subscribe(client, 'g-not-mine', 'not-mine');
    await settle([client], (held) => held.get(client)!.size === 1);
    client.send({ type: 'commit', offsets: [{ topic: 'not-mine', partition: 7, offset: 1 }] });
    expect((await client.next((m) => m.type === 'error')).error_code).toBe(40903);
    client.send({ type: 'commit', id: 'ok', offsets: [{ topic: 'not-mine', partition: 0, offset: 0 }] });
    expect((await client.next((m: ServerMessage) => m.type === 'committed')).id).toBe('ok');
  });

  it('at-most-once commits before delivering, so a replacement never sees a delivered record again', async () => {
    await createTopic('amo', 1);
    await produce('amo', 0, [1, 2, 3]);
    const first = await open('a');
    subscribe(first, 'g-amo', 'amo', { delivery: 'at-most-once' });
    await takeRecords(first, 3);
    await first.close();
    await produce('amo', 0, [4]);
    const second = await open('b');
    subscribe(second, 'g-amo', 'amo', { delivery: 'at-most-once' });
    expect((await takeRecords(second, 1)).map((r) => r.value)).toEqual([4]);
  });

  it('auto-commit commits what was delivered when the member leaves', async () => {
    await createTopic('auto', 1);
    await produce('auto', 0, ['x', 'y']);
    const first = await open('a');
    subscribe(first, 'g-auto', 'auto', { delivery: 'auto-commit', auto_commit_interval_ms: 100 });
    await takeRecords(first, 2);
    await first.close();
    await new Promise((r) => setTimeout(r, 200));
    const committed = await gateways.a.app.services.groups.committed('g-auto');
    expect(committed['auto:0']?.offset).toBe(2);
    const { lags } = await gateways.a.app.services.groups.lagReport('g-auto');
    expect(lags).toEqual([expect.objectContaining({ topic: 'auto', partition: 0, committedOffset: 2, logEndOffset: 2, lag: 0 })]);
  });

  it('sends a member its assignment before any record of the partitions in it', async () => {
    await createTopic('first-things', 4);
    for (const partition of [0, 1, 2, 3]) await produce('first-things', partition, ['p', 'q']);
    const member = await open('a');
    subscribe(member, 'g-first', 'first-things');
    await takeRecords(member, 8);
    expect(member.received[0]).toMatchObject({ type: 'assigned' });
    expect((member.received[0].partitions as unknown[]).length).toBe(4);
  });

  it('lets two groups read one topic independently', async () => {
    await createTopic('shared', 1);
    await produce('shared', 0, ['s']);
    const one = await open('a');
    const two = await open('b');
    subscribe(one, 'g-one', 'shared');
    subscribe(two, 'g-two', 'shared');
    expect((await takeRecords(one, 1))[0].value).toBe('s');
    expect((await takeRecords(two, 1))[0].value).toBe('s');
  });

  it('refuses to subscribe to an unknown topic and to subscribe twice on one socket', async () => {
    const client = await open('a');
    subscribe(client, 'g-bad', 'no-such-topic');
    expect((await client.next((m) => m.type === 'error')).error_code).toBe(40401);
    await createTopic('twice', 1);
    subscribe(client, 'g-twice', 'twice');
    await client.next((m) => m.type === 'assigned');
    subscribe(client, 'g-twice', 'twice');
    expect((await client.next((m) => m.type === 'error')).error_code).toBe(409);
  });
});
