/**
 * Part of the log store contract: whatever codec a batch is stored with, reads return the records
 * as appended (MemoryStore may keep them uncompressed; RedisStreamsStore compresses).
 */
import { expect, it } from 'vitest';
import { RECORD_CODECS, type Compression } from '../../src/log/codecs.js';
import type { AppendRecord, LogStore } from '../../src/log/store.js';
import { orderEvents } from '../../bench/order-events.js';

const ALL = { maxRecords: 10_000, maxBytes: 64 * 1024 * 1024 };
const CODECS: Compression[] = ['none', ...RECORD_CODECS];

const mixed = (): AppendRecord[] => [
  { key: Buffer.from('order-1'), value: Buffer.from(JSON.stringify({ id: 1, text: 'abc'.repeat(200) })), headers: [], timestamp: 1 },
  { key: null, value: null, headers: [], timestamp: 2 },
  { key: Buffer.from('tombstone'), value: null, headers: [{ name: 'h', value: Buffer.from('v') }], timestamp: 3 },
  { key: null, value: Buffer.alloc(0), headers: [], timestamp: 4 },
  {
    key: Buffer.alloc(0),
    value: Buffer.from([0xff, 0x00, 0xfe]),
    headers: [
      { name: 'dup', value: null },
      { name: 'dup', value: Buffer.alloc(0) },
    ],
    timestamp: 5,
  },
  // Random bytes do not compress: stored as they are.
  { key: null, value: Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) % 251)), headers: [], timestamp: 6 },
  { key: Buffer.from('k'), value: Buffer.from('x'.repeat(5000)), headers: [{ name: 'content-type', value: Buffer.from('text/plain') }], timestamp: 7 },
];

export function compressionContract(store: () => LogStore): void {
  it.each(CODECS)('returns records stored with %s as they were appended: null and empty keys and values, headers', async (codec) => {
    const appended = mixed();
    const topic = `codec-${codec}`;
    expect((await store().append(topic, 0, appended, { timestampType: 'CreateTime', compression: codec, topicId: 'id-1' })).baseOffset).toBe(0);
    const read = await store().read(topic, 0, 0, ALL);
    expect(read.map(({ key, value, headers, timestamp }) => ({ key, value, headers, timestamp }))).toEqual(appended);
    expect(read.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('keeps records readable when the codec changes between batches', async () => {
    const values = CODECS.map((codec) => Buffer.from(`${codec} `.repeat(100)));
    for (const [i, codec] of CODECS.entries()) {
      await store().append('codec-changes', 0, [{ key: null, value: values[i], headers: [], timestamp: i }], {
        timestampType: 'CreateTime',
        compression: codec,
        topicId: 'id-1',
      });
    }
    expect((await store().read('codec-changes', 0, 0, ALL)).map((r) => r.value)).toEqual(values);
  });

  it('returns zstd records before and after the topic has its dictionary, across reads by offset and byte budget', async () => {
    const events = orderEvents(120);
    for (let i = 0; i < events.length; i += 30) {
      const batch = events.slice(i, i + 30).map((value, j) => ({ key: Buffer.from(`order-${i + j}`), value, headers: [], timestamp: 1000 + i + j }));
      await store().append('codec-dictionary', 0, batch, { timestampType: 'CreateTime', compression: 'zstd', topicId: 'id-1' });
    }
    expect((await store().read('codec-dictionary', 0, 0, ALL)).map((r) => r.value)).toEqual(events);
    const tail = await store().read('codec-dictionary', 0, 100, { maxRecords: 5, maxBytes: 1 });
    expect(tail.map((r) => [r.offset, r.value])).toEqual([[100, events[100]]]);
  });
}
