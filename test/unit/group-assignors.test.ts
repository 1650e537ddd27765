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
    ['two topics', [{ memberId: 'a', topics: ['t', 'u'] }, { memberId: 'b', topics: ['t', 'u'] }], { t: 3, u: 5 }],
    ['different subscriptions', [{ memberId: 'a', topics: ['t'] }, { memberId: 'b', topics: ['u'] }, { memberId: 'c', topics: ['t', 'u'] }], { t: 4, u: 2 }],
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
    const assignment = roundRobinAssignor({ members: [{ memberId: 'a', topics: ['t', 'u'] }, { memberId: 'b', topics: ['t', 'u'] }], partitions: { t: 3, u: 2 }, previous: {} });
    expect(keys(assignment, 'a')).toEqual(['t-0', 't-2', 'u-1']);
    expect(keys(assignment, 'b')).toEqual(['t-1', 'u-0']);
  });
});

describe('sticky', () => {
  const moved = (before: Assignment, after: Assignment) => {
    const owner = new Map(Object.entries(before).flatMap(([m, tps]) => tps.map((tp) => [`${tp.topic}-${tp.partition}`, m] as const)));
    return Object.entries(after).reduce((n, [m, tps]) => n + tps.filter((tp) => owner.get(`${tp.topic}-${tp.partition}`) !== m).length, 0);
  };

  it('moves only what a new member takes when it joins', () => {
    const before = stickyAssignor({ members: members('a', 'b'), partitions: { t: 12 }, previous: {} });
    const after = stickyAssignor({ members: members('a', 'b', 'c'), partitions: { t: 12 }, previous: before });
    expect(keys(after, 'c')).toHaveLength(4);
    expect(moved(before, after)).toBe(4);
  });

  it('keeps the survivors\' partitions when a member leaves', () => {
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
