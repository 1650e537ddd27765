import { describe, expect, it } from 'vitest';
import { durabilityOf, isDurable, weaker } from '../../src/log/durability.js';
import { SLOTS, crc16, tagForSlot, tagSlot } from '../../src/log/redis/slots.js';

describe('durability from Redis settings', () => {
  it.each([
    [['yes', 'always', ''], 'aof-always', true],
    [['yes', 'everysec', '3600 1'], 'aof-everysec', false],
    [['yes', 'no', ''], 'aof-no', false],
    [['no', 'always', '3600 1 300 100'], 'rdb-snapshots', false],
    [['no', 'everysec', ''], 'none', false],
    [[null, null, null], 'unknown', false],
    [['no', 'everysec', null], 'unknown', false],
  ] as const)('reads appendonly/appendfsync/save %j as %s', ([appendonly, appendfsync, save], mode, durable) => {
    const durability = durabilityOf(appendonly, appendfsync, save);
    expect(durability).toEqual({ mode, appendonly, appendfsync, save });
    expect(isDurable(durability)).toBe(durable);
  });

  it('rates a store by its least durable node, unknown above none', () => {
    const always = durabilityOf('yes', 'always', '');
    const everysec = durabilityOf('yes', 'everysec', '');
    const unknown = durabilityOf(null, null, null);
    const none = durabilityOf('no', 'everysec', '');
    expect(weaker(always, everysec)).toBe(everysec);
    expect(weaker(everysec, always)).toBe(everysec);
    expect(weaker(always, unknown)).toBe(unknown);
    expect(weaker(unknown, none)).toBe(none);
  });
});

describe('Redis Cluster key slots', () => {
  it("computes Redis' CRC16 and key slots", () => {
    expect(crc16('123456789')).toBe(0x31c3);
    expect(tagSlot('foo')).toBe(12182);
    expect(tagSlot('bar')).toBe(5061);
  });

  it('has a hash tag for every slot', () => {
    for (const slot of [0, 1, 5061, 12182, SLOTS - 1]) expect(tagSlot(tagForSlot(slot))).toBe(slot);
  });
});
