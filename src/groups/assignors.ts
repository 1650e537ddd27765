/**
 * Partition assignors: pure functions from the group's members (with their subscriptions) and the
 * subscribed topics' partition counts to an exclusive assignment — every partition of a subscribed
 * topic to exactly one member subscribed to it; members beyond the partition count stay idle.
 */
export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface AssignorMember {
  memberId: string;
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

const byId = (a: AssignorMember, b: AssignorMember) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);

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
 * A sticky assignor (the idea of Kafka's StickyAssignor): balanced like round-robin, but a
 * partition stays with its previous owner while that owner is still subscribed and not above its
 * fair share, so a rebalance moves as few partitions as possible.
 */
export const stickyAssignor: Assignor = (input) => {
  const assignment = empty(input.members);
  const members = [...input.members].sort(byId);
  if (members.length === 0) return assignment;
  const partitions = allPartitions(input);
  const subscribed = new Map(members.map((m) => [m.memberId, new Set(m.topics)]));
  const quota = Math.ceil(partitions.length / members.length);
  const taken = new Set<string>();
  const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;
  const exists = new Set(partitions.map(key));

  for (const member of members) {
    for (const tp of input.previous[member.memberId] ?? []) {
      if (assignment[member.memberId].length >= quota) break;
      if (!exists.has(key(tp)) || taken.has(key(tp)) || !subscribed.get(member.memberId)?.has(tp.topic)) continue;
      assignment[member.memberId].push(tp);
      taken.add(key(tp));
    }
  }
  for (const tp of partitions) {
    if (taken.has(key(tp))) continue;
    const candidates = members.filter((m) => subscribed.get(m.memberId)?.has(tp.topic));
    if (candidates.length === 0) continue;
    const least = candidates.reduce((best, m) => (assignment[m.memberId].length < assignment[best.memberId].length ? m : best));
    assignment[least.memberId].push(tp);
    taken.add(key(tp));
  }
  return assignment;
};

export const ASSIGNORS = { range: rangeAssignor, roundrobin: roundRobinAssignor, sticky: stickyAssignor } as const;
export type AssignorName = keyof typeof ASSIGNORS;
