/** The contract of consumer group state stores (memory and Redis): the atomic rules coordination relies on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupStateStore } from '../../src/groups/group-state.js';

export interface GroupStateFactory {
  create(): Promise<GroupStateStore>;
  teardown?(): Promise<void>;
}

const member = (memberId: string, sessionTimeoutMs = 5000) => ({ memberId, clientId: memberId, topics: ['t'], assignor: 'range' as const, sessionTimeoutMs });

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
      await state.join('g1', member('a'));
      await state.join('g1', member('b'));
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
      await expect(state.commit('g1', 'b', [{ tpKey: 't:2', offset: 7 }, { tpKey: 't:1', offset: 9 }])).rejects.toMatchObject({ errorCode: 40903 });
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
      await state.join('g2', member('slow', 200));
      await state.join('g2', member('fast', 5000));
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
      await state.join('g3', member('x'));
      const deadline = Date.now() + 2000;
      while (!seen.includes('g3') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      stop();
      expect(seen).toContain('g3');
    });
  });
}
