/**
 * Partition assignors: pure functions from the group's members (with their subscriptions) and the
 * subscribed topics' partition counts to an exclusive assignment — every partition of a subscribed
 * topic to exactly one member subscribed to it; members beyond the partition count stay idle.
 */
import { tpKey, type TopicPartition } from '../log/store.js';

export type { TopicPartition };

export interface AssignorMember {
  memberId: string;
  /** A static member's instance id: members are ordered by it, so a reconnect does not reshuffle range or round-robin. */
  instanceId?: string;
  topics: string[];
}

export type Assignment = Record<string, TopicPartition[]>;

export interface AssignorInput {
  members: AssignorMember[];
  /** Partition count per subscribed topic (topics that do not exist are absent). */
  partitions: Record<string, number>;
  /** The assignment before this rebalance (the sticky assignor keeps what it can). */
  previous: Assignment;
}

export type Assignor = (input: AssignorInput) => Assignment;

// Kafka orders static members by group.instance.id (KIP-345), so their ranges survive reconnects.
const sortKey = (m: AssignorMember) => (m.instanceId === undefined ? `1${m.memberId}` : `0${m.instanceId}`);
const byId = (a: AssignorMember, b: AssignorMember) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0);

function empty(members: AssignorMember[]): Assignment {
  return Object.fromEntries(members.map((m) => [m.memberId, [] as TopicPartition[]]));
}

function allPartitions(input: AssignorInput): TopicPartition[] {
  const topics = Object.keys(input.partitions).sort();
  return topics.flatMap((topic) => Array.from({ length: input.partitions[topic] }, (_, partition) => ({ topic, partition })));
}

/** Kafka's RangeAssignor: per topic, consecutive ranges; the first members get one extra when it does not divide. */
export const rangeAssignor: Assignor = (input) => {
  const assignment = empty(input.members);
  for (const topic of Object.keys(input.partitions).sort()) {
    const members = input.members.filter((m) => m.topics.includes(topic)).sort(byId);
    if (members.length === 0) continue;
    const count = input.partitions[topic];
    const per = Math.floor(count / members.length);
    const extra = count % members.length;
    let next = 0;
    members.forEach((member, i) => {
      const take = per + (i < extra ? 1 : 0);
      for (let p = next; p < next + take; p++) assignment[member.memberId].push({ topic, partition: p });
      next += take;
    });
  }
  return assignment;
};

/** Kafka's RoundRobinAssignor: all partitions in order, dealt to the subscribed members in turn. */
export const roundRobinAssignor: Assignor = (input) => {
  const assignment = empty(input.members);
  const members = [...input.members].sort(byId);
  if (members.length === 0) return assignment;
  let turn = 0;
  for (const tp of allPartitions(input)) {
    for (let tried = 0; tried < members.length; tried++) {
      const member = members[(turn + tried) % members.length];
      if (member.topics.includes(tp.topic)) {
        assignment[member.memberId].push(tp);
        turn = (turn + tried + 1) % members.length;
        break;
      }
    }
  }
  return assignment;
};

/**
 * Kafka's sticky assignment (StickyAssignor and CooperativeStickyAssignor compute the same one):
 * every member keeps what it had, partitions without an owner go to the least-loaded member that
 * may take them, and then partitions move from the most-loaded members to the least-loaded ones
 * with at least two fewer — first the ones handed out in this round, so only as many partitions
 * change hands as balance requires (with one subscription for all: sizes differ by at most one).
 */
export const stickyAssignor: Assignor = (input) => {
  // Members by index: this runs on every rebalance, over up to thousands of members and partitions.
  const members = [...input.members].sort(byId);
  const owned: TopicPartition[][] = members.map(() => []);
  const key = (tp: TopicPartition) => tpKey(tp.topic, tp.partition);
  const partitions = allPartitions(input);
  const exists = new Set(partitions.map(key));
  const eligible = new Map(Object.keys(input.partitions).map((topic) => [topic, members.flatMap((m, i) => (m.topics.includes(topic) ? [i] : []))]));
  const taken = new Set<string>();

  members.forEach((member, i) => {
    for (const tp of input.previous[member.memberId] ?? []) {
      if (!exists.has(key(tp)) || taken.has(key(tp)) || !member.topics.includes(tp.topic)) continue;
      owned[i].push({ topic: tp.topic, partition: tp.partition });
      taken.add(key(tp));
    }
  });
  for (const tp of partitions) {
    if (taken.has(key(tp))) continue;
    let to = -1;
    for (const i of eligible.get(tp.topic) ?? []) if (to < 0 || owned[i].length < owned[to].length) to = i;
    if (to < 0) continue;
    owned[to].push(tp);
    taken.add(key(tp));
  }

  // Each member's list is what it kept, then what it was given in this round: taking from the end
  // moves a partition that changed hands already before one that would change hands now.
  const move = (from: number, to: number) => {
    const own = owned[from];
    let at = own.length - 1;
    while (!members[to].topics.includes(own[at].topic)) at--;
    owned[to].push(...own.splice(at, 1));
  };
  // Each step lowers the sum of squared loads, so this ends.
  const order = members.map((_, i) => i);
  for (let balanced = false; !balanced;) {
    balanced = true;
    const lightest = Math.min(...owned.map((tps) => tps.length));
    for (const from of order.sort((a, b) => owned[b].length - owned[a].length || a - b)) {
      if (owned[from].length - 2 < lightest) break;
      const path = pathToLeastLoaded(from, owned, eligible);
      if (!path) continue;
      for (let i = 1; i < path.length; i++) move(path[i - 1], path[i]);
      balanced = false;
      break;
    }
  }
  const assignment = empty(members);
  members.forEach((member, i) => {
    assignment[member.memberId] = owned[i].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  });
  return assignment;
};

/**
 * The least-loaded member with at least two partitions fewer than `from` that can be reached by
 * handing partitions along: `from` gives one to a member subscribed to its topic, which may give
 * one of its own on, and so on (with different subscriptions the direct move may not exist).
 * Returns the chain of member indexes from `from` to it, shortest first, or undefined.
 */
function pathToLeastLoaded(from: number, owned: TopicPartition[][], eligible: Map<string, number[]>): number[] | undefined {
  const before = new Map<number, number>([[from, from]]);
  const queue = [from];
  let best = -1;
  // Every member subscribed to a topic is reached when the topic is first seen: scan each once.
  const scanned = new Set<string>();
  for (let at = queue.shift(); at !== undefined && scanned.size < eligible.size; at = queue.shift()) {
    for (const { topic } of owned[at]) {
      if (scanned.has(topic)) continue;
      scanned.add(topic);
      for (const next of eligible.get(topic) ?? []) {
        if (before.has(next)) continue;
        before.set(next, at);
        queue.push(next);
        if (owned[next].length <= owned[from].length - 2 && (best < 0 || owned[next].length < owned[best].length)) best = next;
      }
    }
  }
  if (best < 0) return undefined;
  const path = [best];
  while (path[0] !== from) path.unshift(before.get(path[0])!);
  return path;
}

export const ASSIGNORS = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  sticky: stickyAssignor,
  /**
   * KIP-429's name for the sticky assignment with incremental rebalancing. Every Streamgate member
   * rebalances incrementally (it stops only the partitions it loses, and a partition starts on its
   * new owner only once the old one released it); this assignor moves the fewest partitions.
   */
  'cooperative-sticky': stickyAssignor,
} as const;
export type AssignorName = keyof typeof ASSIGNORS;
