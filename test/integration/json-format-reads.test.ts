import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';
import { connectSocket, takeRecords } from '../support/ws-client.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;
let base: string;

const bytes = (text: string) => Buffer.from(text, 'utf8');
const notUtf8 = Buffer.concat([bytes('"caf'), Buffer.from([0xe9]), bytes('"')]);
const deep = bytes('['.repeat(101) + ']'.repeat(101));
const base64 = (b: Buffer) => b.toString('base64');

// Stored bytes (produced as binary), and what a reader asking for json gets.
const STORED: Array<{ key: Buffer | null; value: Buffer | null }> = [
  { key: bytes('"k-1"'), value: Buffer.from('AAEC/w==', 'base64') },
  { key: Buffer.from([0xff]), value: bytes('{"ok":true}') },
  { key: null, value: notUtf8 },
  { key: bytes('7'), value: bytes('"just a string"') },
  { key: bytes('"\uFFFD"'), value: deep },
];
const EXPECTED = [
  { key: 'k-1', value: 'AAEC/w==', error: 'Cannot decode as json (value: not valid JSON text); the bytes are given as base64.' },
  { key: '/w==', value: { ok: true }, error: 'Cannot decode as json (key: not valid JSON text); the bytes are given as base64.' },
  { key: null, value: base64(notUtf8), error: 'Cannot decode as json (value: not valid JSON text (not UTF-8)); the bytes are given as base64.' },
  { key: 7, value: 'just a string' },
  { key: '\uFFFD', value: base64(deep), error: 'Cannot decode as json (value: JSON nested deeper than 100 levels); the bytes are given as base64.' },
];
const shapeOf = (record: Record<string, unknown>) => ({ key: record.key, value: record.value, ...(record.error === undefined ? {} : { error: record.error }) });

beforeAll(async () => {
  redis = await suiteRedis();
  gw = await startGateway({ redisUrl: redis.url });
  await gw.app.listen({ port: 0, host: '127.0.0.1' });
  const address = gw.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'mixed', partitions_count: 1 } });
  const produced = await gw.app.inject({
    method: 'POST',
    url: '/topics/mixed',
    headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' },
    payload: { records: STORED.map((r) => ({ key: r.key && base64(r.key), value: r.value && base64(r.value) })) },
  });
  expect(produced.statusCode).toBe(200);
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

describe('a key or value that is not JSON text, read with format=json', () => {
  it('comes back as base64 with error on a WebSocket', async () => {
    const client = await connectSocket(`${base.replace('http', 'ws')}/ws`);
    client.send({ type: 'assign', partitions: [{ topic: 'mixed', partition: 0, offset: 'earliest' }], format: 'json' });
    expect((await takeRecords(client, STORED.length)).map(shapeOf)).toEqual(EXPECTED);
    await client.close();
  });

  it('comes back as base64 with error in Server-Sent Events', async () => {
    const abort = new AbortController();
    const response = await fetch(`${base}${gw.v3}/topics/mixed/events?from=earliest&format=json`, { signal: abort.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const records = () => [...text.matchAll(/^event: record\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]) as Record<string, unknown>);
    while (records().length < STORED.length) text += decoder.decode((await reader.read()).value, { stream: true });
    await reader.cancel();
    abort.abort();
    expect(records().map(shapeOf)).toEqual(EXPECTED);
  });

  it('comes back as base64 with error in a v2 consumer poll', async () => {
    const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };
    await gw.app.inject({ method: 'POST', url: '/consumers/g-mixed', headers: V2, payload: { name: 'c', format: 'json', 'auto.offset.reset': 'earliest' } });
    await gw.app.inject({
      method: 'POST',
      url: '/consumers/g-mixed/instances/c/assignments',
      headers: V2,
      payload: { partitions: [{ topic: 'mixed', partition: 0 }] },
    });
    const polled = await gw.app.inject({
      url: '/consumers/g-mixed/instances/c/records?timeout=2000',
      headers: { accept: 'application/vnd.kafka.json.v2+json' },
    });
    expect(polled.statusCode).toBe(200);
    expect(polled.json().map(shapeOf)).toEqual(EXPECTED);
    await gw.app.inject({ method: 'DELETE', url: '/consumers/g-mixed/instances/c' });
  });

  it('comes back as base64 with error in a direct partition read', async () => {
    const read = await gw.app.inject({ url: `${gw.v3}/topics/mixed/partitions/0/records?offset=0&format=json` });
    expect(read.statusCode).toBe(200);
    expect(read.json().records.map(shapeOf)).toEqual(EXPECTED);
  });

  it('is returned byte-exact by format=binary', async () => {
    const read = await gw.app.inject({ url: `${gw.v3}/topics/mixed/partitions/0/records?offset=0&format=binary` });
    expect(read.json().records.map((r: { key: string | null; value: string | null }) => [r.key, r.value])).toEqual(
      STORED.map((r) => [r.key && base64(r.key), r.value && base64(r.value)]),
    );
  });
});
