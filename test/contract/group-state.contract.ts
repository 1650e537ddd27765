/** The contract of consumer group state stores (memory and Redis): the atomic rules coordination relies on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupStateStore } from '../../src/groups/group-state.js';

export interface GroupStateFactory {
  create(): Promise<GroupStateStore>;
  teardown?(): Promise<void>;
}

const member = (memberId: string, sessionTimeoutMs = 5000) => ({ memberId, clientId: memberId, topics: ['t'], assignor: 'range' as const, sessionTimeoutMs });
const noDelay = { initialRebalanceDelayMs: 0 };
const staticMember = (memberId: string, instanceId: string, sessionTimeoutMs = 5000, topics = ['t']) => ({
  ...member(memberId, sessionTimeoutMs),
  instanceId,
  topics,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tps = (...partitions: number[]) => partitions.map((partition) => ({ topic: 't', partition }));

export function groupStateContract(name: string, factory: GroupStateFactory): void {
  describe(`${name} (group state contract)`, () => {
    let state: GroupStateStore;
    beforeAll(async () => {
      state = await factory.create();
    });
    afterAll(async () => {
      await state?.close();
      await factory.teardown?.();
    });

    it('joins members, bumps the membership version and answers heartbeats with the group', async () => {
      await state.join('g1', member('a'), noDelay);
      await state.join('g1', member('b'), noDelay);
      const snapshot = await state.heartbeat('g1', 'a');
      expect(snapshot?.members.map((m) => m.memberId).sort()).toEqual(['a', 'b']);
      expect(snapshot?.membersVersion).toBe(2);
      expect(await state.heartbeat('g1', 'nobody')).toBeUndefined();
      expect(await state.listGroups()).toContain('g1');
    });

    it('stores an assignment only for the membership it was computed for', async () => {
      const { membersVersion } = (await state.heartbeat('g1', 'a'))!;
      expect(await state.setAssignment('g1', membersVersion - 1, { a: [] }, 't=1')).toBeUndefined();
      const generation = await state.setAssignment('g1', membersVersion, { a: [{ topic: 't', partition: 0 }], b: [] }, 't=1');
      expect(generation).toBe(1);
      const snapshot = (await state.heartbeat('g1', 'b'))!;
      expect(snapshot).toMatchObject({ generation: 1, assignedVersion: membersVersion, topology: 't=1' });
      expect(snapshot.assignment.a).toEqual([{ topic: 't', partition: 0 }]);
    });

    it('stores one assignment per membership: another computed for it is refused, so a rebalance has one generation', async () => {
      const { membersVersion, generation } = (await state.heartbeat('g1', 'a'))!;
      expect(await state.setAssignment('g1', membersVersion, { a: [], b: [{ topic: 't', partition: 0 }] }, 't=1')).toBeUndefined();
      const snapshot = (await state.heartbeat('g1', 'a'))!;
      expect(snapshot.generation).toBe(generation);
      expect(snapshot.assignment.a).toEqual([{ topic: 't', partition: 0 }]);
    });

    it('lets a partition be claimed only when free, and released only by its holder', async () => {
      expect(await state.claim('g1', 'a', ['t:0', 't:1'])).toEqual(['t:0', 't:1']);
      expect(await state.claim('g1', 'b', ['t:0', 't:2'])).toEqual(['t:2']);
      await state.release('g1', 'b', ['t:0']);
      expect((await state.describe('g1'))?.owners['t:0']).toBe('a');
      await state.release('g1', 'a', ['t:0']);
      expect(await state.claim('g1', 'b', ['t:0'])).toEqual(['t:0']);
      expect(await state.claim('g1', 'ghost', ['t:5'])).toEqual([]);
    });

    it('commits all offsets or none, only for partitions the member holds', async () => {
      await state.commit('g1', 'b', [{ tpKey: 't:0', offset: 5, metadata: 'm' }]);
      await expect(
        state.commit('g1', 'b', [
          { tpKey: 't:2', offset: 7 },
          { tpKey: 't:1', offset: 9 },
        ]),
      ).rejects.toMatchObject({ errorCode: 40903 });
      const committed = await state.committed('g1');
      expect(committed['t:0']).toEqual({ offset: 5, metadata: 'm' });
      expect(committed['t:2']).toBeUndefined();
      await expect(state.commit('g1', undefined, [{ tpKey: 't:0', offset: 1 }])).rejects.toMatchObject({ errorCode: 409 });
    });

    it('releases everything a leaving member holds', async () => {
      await state.leave('g1', 'a');
      const snapshot = (await state.describe('g1'))!;
      expect(Object.values(snapshot.owners)).not.toContain('a');
      expect(snapshot.members.map((m) => m.memberId)).toEqual(['b']);
    });

    it('expires a member whose session ran out, so its partitions can be claimed', async () => {
      await state.join('g2', member('slow', 200), noDelay);
      await state.join('g2', member('fast', 5000), noDelay);
      expect(await state.claim('g2', 'slow', ['t:0'])).toEqual(['t:0']);
      await new Promise((r) => setTimeout(r, 350));
      const snapshot = (await state.heartbeat('g2', 'fast'))!;
      expect(snapshot.members.map((m) => m.memberId)).toEqual(['fast']);
      expect(await state.heartbeat('g2', 'slow')).toBeUndefined();
      expect(await state.claim('g2', 'fast', ['t:0'])).toEqual(['t:0']);
    });

    it('lets commits without a member only while the group has no live member', async () => {
      await state.commit('empty-group', undefined, [{ tpKey: 't:0', offset: 3 }]);
      expect((await state.committed('empty-group'))['t:0'].offset).toBe(3);
    });

    it('announces changes to listeners', async () => {
      const seen: string[] = [];
      const stop = await state.onChange((group) => seen.push(group));
      await state.join('g3', member('x'), noDelay);
      const deadline = Date.now() + 2000;
      while (!seen.includes('g3') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      stop();
      expect(seen).toContain('g3');
    });

    describe('initial rebalance delay', () => {
      it('holds back the first assignment of a group that was empty until the delay has passed', async () => {
        await state.join('d1', member('a'), { initialRebalanceDelayMs: 400 });
        const first = (await state.heartbeat('d1', 'a'))!;
        expect(first.rebalanceDelayMs).toBeGreaterThan(0);
        expect(first.rebalanceDelayMs).toBeLessThanOrEqual(400);
        expect(await state.setAssignment('d1', first.membersVersion, { a: tps(0) }, 't=1')).toBeUndefined();
        await sleep(first.rebalanceDelayMs + 20);
        const later = (await state.heartbeat('d1', 'a'))!;
        expect(later.rebalanceDelayMs).toBe(0);
        expect(await state.setAssignment('d1', later.membersVersion, { a: tps(0) }, 't=1')).toBe(1);
        expect((await state.describe('d1'))?.rebalanceDelayMs).toBe(0);
      });

      it('starts the delay again when a member joins during it, with the delay of the group', async () => {
        await state.join('d2', member('a'), { initialRebalanceDelayMs: 1000 });
        await sleep(500);
        await state.join('d2', member('b'), { initialRebalanceDelayMs: 60_000 });
        const snapshot = (await state.heartbeat('d2', 'b'))!;
        expect(snapshot.rebalanceDelayMs).toBeGreaterThan(500);
        expect(snapshot.rebalanceDelayMs).toBeLessThanOrEqual(1000);
      });

      it('ends the delay at ten delays after the first join however many members keep joining', async () => {
        await state.join('d3', member('m0'), { initialRebalanceDelayMs: 100 });
        const started = Date.now();
        for (let i = 1; Date.now() - started < 1300; i++) {
          await state.join('d3', member(`m${i}`), { initialRebalanceDelayMs: 100 });
          await sleep(40);
        }
        await state.join('d3', member('last'), { initialRebalanceDelayMs: 100 });
        const snapshot = (await state.heartbeat('d3', 'last'))!;
        expect(snapshot.rebalanceDelayMs).toBe(0);
        expect(await state.setAssignment('d3', snapshot.membersVersion, {}, 't=1')).toBeDefined();
      });

      it('does not delay a rebalance of a group that has members', async () => {
        await state.join('d4', member('a'), noDelay);
        await state.join('d4', member('b'), { initialRebalanceDelayMs: 5000 });
        expect((await state.heartbeat('d4', 'b'))!.rebalanceDelayMs).toBe(0);
      });
    });

    describe('static membership', () => {
      it("gives a live member's place and assignment to a new member with its instance id, and fences the old one", async () => {
        await state.join('s1', staticMember('a', 'i-a'), noDelay);
        await state.join('s1', member('b'), noDelay);
        const before = (await state.heartbeat('s1', 'b'))!;
        await state.setAssignment('s1', before.membersVersion, { a: tps(0, 1), b: tps(2) }, 't=3');
        await state.claim('s1', 'a', ['t:0', 't:1']);
        await state.claim('s1', 'b', ['t:2']);
        const assigned = (await state.heartbeat('s1', 'b'))!;

        expect(await state.join('s1', staticMember('a2', 'i-a'), noDelay)).toEqual({ replaced: 'a' });
        const after = (await state.heartbeat('s1', 'b'))!;
        expect(after.members.map((m) => m.memberId).sort()).toEqual(['a2', 'b']);
        // No rebalance: the assignment is still current, the generation the same, b's share untouched.
        expect(after.assignedVersion).toBe(after.membersVersion);
        expect(after.generation).toBe(assigned.generation);
        expect(after.assignment).toEqual({ a2: tps(0, 1), b: tps(2) });
        await expect(state.heartbeat('s1', 'a')).rejects.toMatchObject({ errorCode: 40904 });

        // The old member still delivers until it stops: its successor waits, the old one may still commit.
        expect(await state.claim('s1', 'a2', ['t:0', 't:1'])).toEqual([]);
        expect(await state.claim('s1', 'a', ['t:5'])).toEqual([]);
        await state.commit('s1', 'a', [{ tpKey: 't:0', offset: 4 }]);
        await state.leave('s1', 'a');
        expect((await state.heartbeat('s1', 'b'))!.membersVersion).toBe(after.membersVersion);
        expect(await state.claim('s1', 'a2', ['t:0', 't:1'])).toEqual(['t:0', 't:1']);
        expect((await state.committed('s1'))['t:0'].offset).toBe(4);
      });

      it("keeps a disconnected static member's assignment reserved, without a rebalance, until its instance id returns", async () => {
        await state.join('s2', staticMember('x', 'i-x'), noDelay);
        await state.join('s2', member('y'), noDelay);
        const before = (await state.heartbeat('s2', 'y'))!;
        await state.setAssignment('s2', before.membersVersion, { x: tps(0), y: tps(1) }, 't=2');
        await state.claim('s2', 'x', ['t:0']);

        await state.disconnect('s2', 'x');
        const parked = (await state.heartbeat('s2', 'y'))!;
        expect(parked.membersVersion).toBe(before.membersVersion);
        expect(parked.members.find((m) => m.memberId === 'x')).toMatchObject({ instanceId: 'i-x', disconnected: true });
        expect(parked.owners['t:0']).toBeUndefined();
        expect(await state.claim('s2', 'x', ['t:0'])).toEqual([]);

        expect(await state.join('s2', staticMember('x2', 'i-x'), noDelay)).toEqual({ replaced: 'x' });
        const back = (await state.heartbeat('s2', 'y'))!;
        expect(back.members.map((m) => m.memberId).sort()).toEqual(['x2', 'y']);
        expect(back.assignedVersion).toBe(back.membersVersion);
        expect(back.assignment).toEqual({ x2: tps(0), y: tps(1) });
        expect(await state.claim('s2', 'x2', ['t:0'])).toEqual(['t:0']);
      });

      it('removes a disconnected static member when its session runs out, which changes the membership', async () => {
        await state.join('s3', staticMember('gone', 'i-gone', 200), noDelay);
        await state.join('s3', member('stays'), noDelay);
        await state.disconnect('s3', 'gone');
        const { membersVersion } = (await state.heartbeat('s3', 'stays'))!;
        await sleep(350);
        const snapshot = (await state.heartbeat('s3', 'stays'))!;
        expect(snapshot.members.map((m) => m.memberId)).toEqual(['stays']);
        expect(snapshot.membersVersion).toBeGreaterThan(membersVersion);
        expect((await state.join('s3', staticMember('gone2', 'i-gone'), noDelay)).replaced).toBeUndefined();
      });

      it('protects what a vanished member held from its successor until the old session ends', async () => {
        await state.join('s4', staticMember('crashed', 'i-c', 300), noDelay);
        expect(await state.claim('s4', 'crashed', ['t:0'])).toEqual(['t:0']);
        await state.join('s4', staticMember('successor', 'i-c'), noDelay);
        expect(await state.claim('s4', 'successor', ['t:0'])).toEqual([]);
        await sleep(400);
        expect(await state.claim('s4', 'successor', ['t:0'])).toEqual(['t:0']);
      });

      it('rebalances when the member taking a place subscribes to other topics', async () => {
        await state.join('s5', staticMember('p', 'i-p'), noDelay);
        const before = (await state.heartbeat('s5', 'p'))!;
        await state.setAssignment('s5', before.membersVersion, { p: tps(0) }, 't=1');
        await state.join('s5', staticMember('p2', 'i-p', 5000, ['t', 'u']), noDelay);
        const after = (await state.heartbeat('s5', 'p2'))!;
        expect(after.assignedVersion).not.toBe(after.membersVersion);
        expect(after.assignment.p2).toEqual(tps(0));
      });
    });
  });
}
