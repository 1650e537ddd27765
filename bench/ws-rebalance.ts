/**
 * The cooperative rebalance of `npm run bench:ws` (issue 11): two WebSocket members of a group
 * (assignor `cooperative-sticky`) read a 6-partition topic that gets a batch on every partition
 * every 20 ms; then a third member joins. The partitions the first two keep should go on
 * delivering as before (target: no pause), and the ones that move are handed over: measured as
 * the gap between deliveries of a kept partition across the moment the moved ones were revoked,
 * against the 99th percentile gap of the same partitions before the join, and the time from a
 * moved partition's last delivery at its old member to its first at the new one.
 */
import WebSocket from 'ws';

export const REBALANCE_PARTITIONS = 6;
const TOPIC = 'bench-rebalance';
/** A produce request every BATCH_MS with RECORDS_PER_PARTITION records on every partition. */
const BATCH_MS = 20;
const RECORDS_PER_PARTITION = 2;
const STEADY_MS = 3000;
const AFTER_JOIN_MS = 4000;
const CT = { 'content-type': 'application/vnd.kafka.json.v2+json' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RebalanceRun {
  /** Partitions a first member held before the join and still holds (not revoked in between). */
  kept: number;
  /** Longest gap between deliveries of a kept partition across the rebalance (the gap around the moment the moved partitions were revoked), in ms. */
  keptGapMs: number;
  /** The 99th percentile gap between deliveries of the same partitions before the join (ms): what "no pause" looks like here. */
  steadyGapMs: number;
  moved: number;
  /** Longest time from a moved partition's last delivery at its old member to its first at the new one (ms). */
  handoverMs: number;
  /** From the join until the new member's first record (ms). */
  joinToFirstRecordMs: number;
}

/** A group member that notes, per partition, when its records arrived and what it was assigned and revoked. */
class Member {
  readonly held = new Set<number>();
  readonly revokedAt = new Map<number, number>();
  /** Per partition, arrival times of the messages that carried its records. */
  readonly arrivals = new Map<number, number[]>();
  readonly errors: string[] = [];
  private constructor(private readonly socket: WebSocket) {}

  static async join(wsUrl: string, group: string): Promise<Member> {
    const socket = new WebSocket(wsUrl);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const member = new Member(socket);
    socket.on('message', (data: Buffer) => member.receive(data));
    socket.send(JSON.stringify({ type: 'subscribe', group, topics: [TOPIC], assignor: 'cooperative-sticky', auto_offset_reset: 'latest', credit: 100_000 }));
    return member;
  }

  private receive(data: Buffer): void {
    const now = Date.now();
    const message = JSON.parse(data.toString()) as {
      type: string;
      partitions?: Array<{ partition: number }>;
      records?: Array<{ partition: number }>;
      message?: string;
    };
    if (message.type === 'assigned') for (const p of message.partitions ?? []) this.held.add(p.partition);
    else if (message.type === 'revoked') {
      for (const p of message.partitions ?? []) {
        this.held.delete(p.partition);
        this.revokedAt.set(p.partition, now);
      }
    } else if (message.type === 'error') this.errors.push(message.message ?? 'error');
    else if (message.type === 'records') {
      for (const partition of new Set((message.records ?? []).map((r) => r.partition))) {
        const times = this.arrivals.get(partition) ?? [];
        times.push(now);
        this.arrivals.set(partition, times);
      }
      this.socket.send(JSON.stringify({ type: 'credit', records: message.records?.length ?? 0 }));
    }
  }

  close(): void {
    this.socket.terminate();
  }
}

async function produceFor(baseUrl: string, ms: number): Promise<void> {
  const records = Array.from({ length: REBALANCE_PARTITIONS * RECORDS_PER_PARTITION }, (_, i) => ({
    partition: i % REBALANCE_PARTITIONS,
    value: { pad: 'x'.repeat(80) },
  }));
  const body = JSON.stringify({ records });
  const start = Date.now();
  const inflight: Array<Promise<unknown>> = [];
  for (let i = 0; i * BATCH_MS < ms; i++) {
    const wait = start + i * BATCH_MS - Date.now();
    if (wait > 0) await sleep(wait);
    inflight.push(fetch(`${baseUrl}/topics/${TOPIC}`, { method: 'POST', headers: CT, body }).then((r) => r.arrayBuffer()));
  }
  await Promise.all(inflight);
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`rebalance: ${what} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** The gap between the deliveries either side of `at`. */
const gapAcross = (times: number[], at: number) => {
  const after = times.findIndex((t) => t > at);
  return after <= 0 ? Infinity : times[after] - times[after - 1];
};

/** Gaps between consecutive deliveries within [from, to]. */
const gapsWithin = (times: number[], from: number, to: number) => {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) if (times[i - 1] >= from && times[i] <= to) gaps.push(times[i] - times[i - 1]);
  return gaps;
};

/** Creates the topic (once per gateway). */
export async function createRebalanceTopic(baseUrl: string, clusterId: string): Promise<void> {
  const response = await fetch(`${baseUrl}/v3/clusters/${clusterId}/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic_name: TOPIC, partitions_count: REBALANCE_PARTITIONS }),
  });
  if (!response.ok) throw new Error(`creating topic ${TOPIC} answered ${response.status}: ${await response.text()}`);
}

/** One run with a fresh group: two members, steady delivery, a third member joins. */
export async function rebalance(baseUrl: string, wsUrl: string, group: string): Promise<RebalanceRun> {
  const first = [await Member.join(wsUrl, group), await Member.join(wsUrl, group)];
  const members = [...first];
  try {
    await until(
      () => first.every((m) => m.held.size > 0) && first[0].held.size + first[1].held.size === REBALANCE_PARTITIONS,
      'the two members did not hold every partition',
    );
    const producing = produceFor(baseUrl, STEADY_MS + AFTER_JOIN_MS);
    await sleep(STEADY_MS);
    const before = first.map((m) => new Set(m.held));
    const joinedAt = Date.now();
    const third = await Member.join(wsUrl, group);
    members.push(third);
    await producing;
    await sleep(200);
    const errors = members.flatMap((m) => m.errors);
    if (errors.length > 0) throw new Error(`rebalance: error messages: ${errors.join('; ')}`);
    if (third.held.size === 0) throw new Error('rebalance: the third member got no partition');

    // The rebalance's moment: when the first moved partition was revoked from its old member.
    const revokes = first.flatMap((m) => [...m.revokedAt.values()].filter((t) => t >= joinedAt));
    if (revokes.length === 0) throw new Error('rebalance: no partition was revoked from the first members');
    const rebalancedAt = Math.min(...revokes);
    let keptGapMs = 0;
    const steadyGaps: number[] = [];
    let kept = 0;
    first.forEach((member, i) => {
      for (const partition of before[i]) {
        if (!member.held.has(partition) || (member.revokedAt.get(partition) ?? 0) >= joinedAt) continue;
        kept++;
        const times = member.arrivals.get(partition) ?? [];
        keptGapMs = Math.max(keptGapMs, gapAcross(times, rebalancedAt));
        steadyGaps.push(...gapsWithin(times, joinedAt - STEADY_MS + 500, joinedAt));
      }
    });
    steadyGaps.sort((a, b) => a - b);
    const steadyGapMs = steadyGaps[Math.min(steadyGaps.length - 1, Math.floor(0.99 * steadyGaps.length))] ?? NaN;
    let handoverMs = 0;
    for (const partition of third.held) {
      const from = first.find((m) => (m.revokedAt.get(partition) ?? 0) >= joinedAt);
      const last = (from?.arrivals.get(partition) ?? []).filter((t) => t <= (from?.revokedAt.get(partition) ?? 0)).pop();
      const next = third.arrivals.get(partition)?.[0];
      if (last !== undefined && next !== undefined) handoverMs = Math.max(handoverMs, next - last);
    }
    const firstRecord = Math.min(...[...third.arrivals.values()].map((times) => times[0]));
    return { kept, keptGapMs, steadyGapMs, moved: third.held.size, handoverMs, joinToFirstRecordMs: firstRecord - joinedAt };
  } finally {
    for (const member of members) member.close();
    await sleep(500);
  }
}
