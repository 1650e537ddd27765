import { describe, expect, it } from 'vitest';
import { ASSIGNORS, rangeAssignor, roundRobinAssignor, stickyAssignor, type Assignment, type AssignorInput } from '../../src/groups/assignors.js';

const members = (...ids: string[]) => ids.map((memberId) => ({ memberId, topics: ['t'] }));
const keys = (assignment: Assignment, member: string) => assignment[member].map((tp) => `${tp.topic}-${tp.partition}`);

/** Every partition of every subscribed topic exactly once, each to a member subscribed to its topic. */
function expectExclusiveAndComplete(input: AssignorInput, assignment: Assignment): void {
  const seen = new Map<string, string>();
  for (const [member, tps] of Object.entries(assignment)) {
    const subscription = input.members.find((m) => m.memberId === member)!.topics;
    for (const tp of tps) {
      const key = `${tp.topic}-${tp.partition}`;
      expect(seen.has(key), `${key} assigned twice`).toBe(false);
      expect(subscription).toContain(tp.topic);
      seen.set(key, member);
    }
  }
  const expected = Object.entries(input.partitions).flatMap(([topic, count]) =>
    input.members.some((m) => m.topics.includes(topic)) ? Array.from({ length: count }, (_, p) => `${topic}-${p}`) : [],
  );
  expect([...seen.keys()].sort()).toEqual(expected.sort());
}

describe.each(Object.entries(ASSIGNORS))('the %s assignor', (_name, assignor) => {
  it.each([
    ['one member', members('a'), { t: 4 }],
    ['as many members as partitions', members('a', 'b', 'c'), { t: 3 }],
    ['more members than partitions', members('a', 'b', 'c', 'd', 'e'), { t: 2 }],
    ['an uneven split', members('a', 'b', 'c'), { t: 8 }],
    [
      'two topics',
      [
        { memberId: 'a', topics: ['t', 'u'] },
        { memberId: 'b', topics: ['t', 'u'] },
      ],
      { t: 3, u: 5 },
    ],
    [
      'different subscriptions',
      [
        { memberId: 'a', topics: ['t'] },
        { memberId: 'b', topics: ['u'] },
        { memberId: 'c', topics: ['t', 'u'] },
      ],
      { t: 4, u: 2 },
    ],
  ])('gives every partition to exactly one subscribed member with %s', (_case, group, partitions) => {
    const input = { members: group, partitions, previous: {} };
    expectExclusiveAndComplete(input, assignor(input));
  });

  it('leaves members beyond the partition count idle', () => {
    const assignment = assignor({ members: members('a', 'b', 'c', 'd'), partitions: { t: 2 }, previous: {} });
    expect(Object.values(assignment).filter((tps) => tps.length === 0)).toHaveLength(2);
  });

  it('balances within one partition when every member has the same subscription', () => {
    const assignment = assignor({ members: members('a', 'b', 'c'), partitions: { t: 10 }, previous: {} });
    const sizes = Object.values(assignment).map((tps) => tps.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('is deterministic: the same input gives the same assignment on every gateway', () => {
    const input = { members: members('b', 'a', 'c'), partitions: { t: 7 }, previous: {} };
    expect(assignor(input)).toEqual(assignor({ ...input, members: [...input.members].reverse() }));
  });
});

describe('range', () => {
  it('gives consecutive ranges per topic, the first members one extra (Kafka RangeAssignor)', () => {
    const assignment = rangeAssignor({ members: members('a', 'b', 'c'), partitions: { t: 8 }, previous: {} });
    expect(keys(assignment, 'a')).toEqual(['t-0', 't-1', 't-2']);
    expect(keys(assignment, 'b')).toEqual(['t-3', 't-4', 't-5']);
    expect(keys(assignment, 'c')).toEqual(['t-6', 't-7']);
  });
});

describe('roundrobin', () => {
  it('deals partitions of all topics in turn', () => {
    const assignment = roundRobinAssignor({
      members: [
        { memberId: 'a', topics: ['t', 'u'] },
        { memberId: 'b', topics: ['t', 'u'] },
      ],
      partitions: { t: 3, u: 2 },
      previous: {},
    });
    expect(keys(assignment, 'a')).toEqual(['t-0', 't-2', 'u-1']);
    expect(keys(assignment, 'b')).toEqual(['t-1', 'u-0']);
  });
});

const moved = (before: Assignment, after: Assignment) => {
  const owner = new Map(Object.entries(before).flatMap(([m, tps]) => tps.map((tp) => [`${tp.topic}-${tp.partition}`, m] as const)));
  return Object.entries(after).reduce((n, [m, tps]) => n + tps.filter((tp) => owner.get(`${tp.topic}-${tp.partition}`) !== m).length, 0);
};

describe('static members', () => {
  it('are ordered by instance id, so one that reconnects under a new member id keeps its range', () => {
    const group = [
      { memberId: 'consumer-9f', instanceId: 'pod-a', topics: ['t'] },
      { memberId: 'consumer-1c', instanceId: 'pod-b', topics: ['t'] },
    ];
    const before = rangeAssignor({ members: group, partitions: { t: 4 }, previous: {} });
    expect(keys(before, 'consumer-9f')).toEqual(['t-0', 't-1']);
    const reconnected = [{ ...group[0], memberId: 'consumer-00' }, group[1]];
    expect(keys(rangeAssignor({ members: reconnected, partitions: { t: 4 }, previous: {} }), 'consumer-00')).toEqual(['t-0', 't-1']);
  });
});

describe('sticky', () => {
  it('moves only what a new member takes when it joins', () => {
    const before = stickyAssignor({ members: members('a', 'b'), partitions: { t: 12 }, previous: {} });
    const after = stickyAssignor({ members: members('a', 'b', 'c'), partitions: { t: 12 }, previous: before });
    expect(keys(after, 'c')).toHaveLength(4);
    expect(moved(before, after)).toBe(4);
  });

  it("keeps the survivors' partitions when a member leaves", () => {
    const before = stickyAssignor({ members: members('a', 'b', 'c'), partitions: { t: 9 }, previous: {} });
    const after = stickyAssignor({ members: members('a', 'c'), partitions: { t: 9 }, previous: before });
    for (const member of ['a', 'c']) for (const key of keys(before, member)) expect(keys(after, member)).toContain(key);
    expect(moved(before, after)).toBe(3);
  });

  it('moves far fewer partitions than range on a join', () => {
    const previousRange = rangeAssignor({ members: members('a', 'b', 'c'), partitions: { t: 30 }, previous: {} });
    const range = rangeAssignor({ members: members('a', 'b', 'c', 'd'), partitions: { t: 30 }, previous: previousRange });
    const previousSticky = stickyAssignor({ members: members('a', 'b', 'c'), partitions: { t: 30 }, previous: {} });
    const sticky = stickyAssignor({ members: members('a', 'b', 'c', 'd'), partitions: { t: 30 }, previous: previousSticky });
    expect(moved(previousSticky, sticky)).toBeLessThan(moved(previousRange, range));
  });
});

describe('cooperative-sticky', () => {
  const assignor = ASSIGNORS['cooperative-sticky'];
  const sizes = (assignment: Assignment) => Object.values(assignment).map((tps) => tps.length);

  /** The fewest partitions that must change owner to reach a balanced assignment (one subscription for all). */
  function fewestMoves(before: Assignment, members: string[], count: number): number {
    const had = members.map((m) => before[m]?.length ?? 0).sort((a, b) => b - a);
    const floor = Math.floor(count / members.length);
    const kept = had.reduce((sum, n, i) => sum + Math.min(n, floor + (i < count % members.length ? 1 : 0)), 0);
    return count - kept;
  }

  it('stays balanced after a join that follows an uneven split', () => {
    const before = { a: [0, 1, 2, 3], b: [4, 5, 6], c: [7, 8, 9] };
    const previous = Object.fromEntries(Object.entries(before).map(([m, ps]) => [m, ps.map((partition) => ({ topic: 't', partition }))]));
    const after = assignor({ members: members('a', 'b', 'c', 'd'), partitions: { t: 10 }, previous });
    expect(Math.max(...sizes(after)) - Math.min(...sizes(after))).toBeLessThanOrEqual(1);
    expect(moved(previous, after)).toBe(2);
  });

  it('moves only the partitions balance requires through any sequence of joins and leaves', () => {
    // A fixed pseudo-random walk: the same cases on every run.
    let seed = 42;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    let group = ['m0', 'm1'];
    let previous: Assignment = {};
    let next = 2;
    for (let step = 0; step < 200; step++) {
      const count = 1 + random(40);
      if (group.length < 2 || (random(2) === 0 && group.length < 12)) group = [...group, `m${next++}`];
      else group = group.filter((_, i) => i !== random(group.length));
      const input = { members: members(...group), partitions: { t: count }, previous };
      const after = assignor(input);
      expectExclusiveAndComplete(input, after);
      expect(Math.max(...sizes(after)) - Math.min(...sizes(after))).toBeLessThanOrEqual(1);
      const surviving = Object.fromEntries(Object.entries(previous).map(([m, tps]) => [m, tps.filter((tp) => tp.partition < count)]));
      expect(moved(surviving, after), `step ${step}`).toBe(fewestMoves(surviving, group, count));
      previous = after;
    }
  });

  it('balances members with different subscriptions as far as they allow', () => {
    const input = {
      members: [
        { memberId: 'a', topics: ['t'] },
        { memberId: 'b', topics: ['t', 'u'] },
        { memberId: 'c', topics: ['u'] },
      ],
      partitions: { t: 6, u: 6 },
      previous: { a: Array.from({ length: 6 }, (_, partition) => ({ topic: 't', partition })) },
    };
    const after = assignor(input);
    expectExclusiveAndComplete(input, after);
    expect(sizes(after)).toEqual([4, 4, 4]);
  });
});
