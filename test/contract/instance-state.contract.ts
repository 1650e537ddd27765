/** The contract of v2 consumer instance state stores (memory and Redis): the atomic rules serving an instance from any gateway relies on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceDoc, InstanceKey, InstanceStateStore } from '../../src/groups/instances/instance-state.js';

export interface InstanceStateFactory {
  create(): Promise<InstanceStateStore>;
  teardown?(): Promise<void>;
}

const doc = (positions: Record<string, number> = {}, epoch = 0): InstanceDoc => ({
  config: { format: 'json', offsetReset: 'earliest', autoCommit: false, requestTimeoutMs: 1000 },
  epoch,
  held: [{ topic: 't', partition: 0 }],
  generation: 0,
  positions,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function instanceStateContract(name: string, factory: InstanceStateFactory): void {
  describe(`${name} (instance state contract)`, () => {
    let state: InstanceStateStore;
    beforeAll(async () => {
      state = await factory.create();
    });
    afterAll(async () => {
      await state?.close();
      await factory.teardown?.();
    });

    it('creates an instance once per group and id, and reads it back', async () => {
      const key = { group: 'g', id: 'create' };
      expect(await state.create(key, doc({ 't:0': 3 }))).toBe(true);
      expect(await state.create(key, doc())).toBe(false);
      expect(await state.create({ group: 'other', id: 'create' }, doc())).toBe(true);
      const loaded = await state.load(key, false);
      expect(loaded).toMatchObject({ version: 1, lease: undefined, doc: doc({ 't:0': 3 }) });
      expect(await state.load({ group: 'g', id: 'nobody' }, true)).toBeUndefined();
    });

    it('keeps a group and id containing the separator apart from another pair', async () => {
      expect(await state.create({ group: 'a:b', id: 'c' }, doc({ 'x:0': 1 }))).toBe(true);
      expect(await state.create({ group: 'a', id: 'b:c' }, doc({ 'x:0': 2 }))).toBe(true);
      expect((await state.load({ group: 'a:b', id: 'c' }, false))?.doc.positions).toEqual({ 'x:0': 1 });
    });

    it('updates only from the version it read: of two writers from the same state, one wins', async () => {
      const key = { group: 'g', id: 'cas' };
      await state.create(key, doc({ 't:0': 0 }));
      const read = (await state.load(key, false))!;
      const results = await Promise.all([
        state.update(key, read.version, doc({ 't:0': 5 }), { kind: 'any' }),
        state.update(key, read.version, doc({ 't:0': 7 }), { kind: 'any' }),
      ]);
      expect(results.sort()).toEqual(['conflict', 'ok']);
      const after = (await state.load(key, false))!;
      expect(after.version).toBe(read.version + 1);
      expect([5, 7]).toContain(after.doc.positions['t:0']);
      expect(await state.update({ group: 'g', id: 'nobody' }, 1, doc(), { kind: 'any' })).toBe('gone');
    });

    it('applies lease conditions: live, own, take, take-free, drop', async () => {
      const key = { group: 'g', id: 'lease' };
      await state.create(key, doc());
      const version = async () => (await state.load(key, false))!.version;
      expect(await state.update(key, await version(), doc(), { kind: 'live' })).toBe('lease');
      expect(await state.update(key, await version(), doc(), { kind: 'take-free', token: 'A', ttlMs: 5000 })).toBe('ok');
      expect((await state.load(key, false))?.lease).toBe('A');
      expect(await state.update(key, await version(), doc(), { kind: 'take-free', token: 'B', ttlMs: 5000 })).toBe('lease');
      expect(await state.update(key, await version(), doc(), { kind: 'live' })).toBe('ok');
      expect(await state.update(key, await version(), doc(), { kind: 'own', token: 'B' })).toBe('lease');
      expect(await state.update(key, await version(), doc(), { kind: 'own', token: 'A' })).toBe('ok');
      expect(await state.update(key, await version(), doc(), { kind: 'take', token: 'B', ttlMs: 5000 })).toBe('ok');
      expect(await state.update(key, await version(), doc(), { kind: 'drop-own', token: 'A' })).toBe('lease');
      expect(await state.update(key, await version(), doc(), { kind: 'drop-own', token: 'B' })).toBe('ok');
      expect((await state.load(key, false))?.lease).toBeUndefined();
      await state.update(key, await version(), doc(), { kind: 'take', token: 'C', ttlMs: 5000 });
      expect(await state.update(key, await version(), doc(), { kind: 'drop' })).toBe('ok');
      expect((await state.load(key, false))?.lease).toBeUndefined();
    });

    it('lets a lease lapse unless renewed, renews it for its holder in its epoch, and says when it was lost or ended', async () => {
      const key = { group: 'g', id: 'renew' };
      await state.create(key, doc({}, 4));
      await state.update(key, 1, doc({}, 4), { kind: 'take', token: 'A', ttlMs: 1000 });
      await sleep(100);
      expect(await state.renewLease(key, 4, 'A', 1000)).toBe('held');
      await sleep(600);
      expect((await state.load(key, false))?.lease).toBe('A');
      await sleep(700);
      expect((await state.load(key, false))?.lease).toBeUndefined();
      // Lapsed and nobody took it: its driver takes it again.
      expect(await state.renewLease(key, 4, 'A', 5000)).toBe('held');
      expect((await state.load(key, false))?.lease).toBe('A');
      expect(await state.renewLease(key, 4, 'B', 5000)).toBe('lost');
      // A new subscription (epoch) without a driver: the old one's subscription ended.
      await state.update(key, 2, doc({}, 5), { kind: 'drop' });
      expect(await state.renewLease(key, 4, 'A', 5000)).toBe('ended');
      expect(await state.renewLease({ group: 'g', id: 'nobody' }, 0, 'A', 5000)).toBe('ended');
    });

    it('removes an instance once, and an idle one only when idle by then', async () => {
      const key: InstanceKey = { group: 'g', id: 'remove' };
      await state.create(key, doc());
      await sleep(500);
      expect(await state.idle(400, 1000)).toContainEqual(key);
      await state.load(key, true);
      expect(await state.remove(key, 400)).toBe('in-use');
      await sleep(500);
      const racing = await Promise.all([state.remove(key, 400), state.remove(key, 400)]);
      expect(racing.sort()).toEqual(['gone', 'removed']);
      expect(await state.load(key, false)).toBeUndefined();
      expect(await state.idle(0, 1000)).not.toContainEqual(key);
      await state.create(key, doc());
      expect(await state.remove(key)).toBe('removed');
      expect(await state.remove(key)).toBe('gone');
    });

    it('announces changes to every listener', async () => {
      const heard: InstanceKey[] = [];
      const stop = await state.onChange((key) => heard.push(key));
      await state.announce({ group: 'g', id: 'news' });
      for (let i = 0; i < 50 && heard.length === 0; i++) await sleep(20);
      stop();
      expect(heard).toEqual([{ group: 'g', id: 'news' }]);
    });
  });
}
