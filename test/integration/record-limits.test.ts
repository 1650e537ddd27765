import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';
import { connectSocket, type TestSocket } from '../support/ws-client.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;
let socket: TestSocket;

beforeAll(async () => {
  redis = await suiteRedis();
  // The default MAX_HEADERS_PER_RECORD (1000) is what these tests meet.
  gw = await startGateway({ redisUrl: redis.url });
  await gw.app.listen({ port: 0, host: '127.0.0.1' });
  const address = gw.app.server.address();
  socket = await connectSocket(`ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ws`);
});
afterAll(async () => {
  await socket?.close();
  await gw?.close();
  await redis?.stop();
});

const inject = (options: InjectOptions) => gw.app.inject(options);
const createTopic = (name: string, configs: Array<{ name: string; value: string }> = []) =>
  inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: name, partitions_count: 1, configs } });
const produceV3 = (topic: string, body: object | string) =>
  inject({
    method: 'POST',
    url: `${gw.v3}/topics/${topic}/records`,
    headers: { 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
const endOffset = async (topic: string) => (await inject({ url: `/topics/${topic}/partitions/0/offsets` })).json().end_offset as number;
const emptyHeaders = (count: number) => Array.from({ length: count }, () => ({ name: '', value: null }));

describe("a record's size counts its headers as Kafka's record format does", () => {
  it('refuses a record of many empty headers that its key and value alone would let through', async () => {
    await createTopic('empty-headers', [{ name: 'max.message.bytes', value: '1000' }]);
    // 600 headers × 2 bytes of length prefixes: over 1000 bytes though every name and value is empty.
    const response = await produceV3('empty-headers', { value: { data: 'x' }, headers: emptyHeaders(600) });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ error_code: 41301, message: expect.stringMatching(/^Record 0 is 1\d{3} bytes .*max\.message\.bytes=1000/) });
    expect(await endOffset('empty-headers')).toBe(0);
  });

  it('accepts a record of exactly max.message.bytes and refuses one a byte larger', async () => {
    await createTopic('exact-size', [{ name: 'max.message.bytes', value: '1000' }]);
    // 991 value bytes: length prefix 2 + attributes and deltas 3 + null key 1 + value (2 + 991) + header count 1 = 1000.
    const fits = await produceV3('exact-size', { value: { type: 'BINARY', data: Buffer.alloc(991).toString('base64') } });
    expect(fits.statusCode).toBe(200);
    const over = await produceV3('exact-size', { value: { type: 'BINARY', data: Buffer.alloc(992).toString('base64') } });
    expect(over.json()).toMatchObject({ error_code: 41301, message: expect.stringContaining('Record 0 is 1001 bytes') });
    expect(await endOffset('exact-size')).toBe(1);
  });

  it('stops a v2 poll at max_bytes counting headers, however empty', async () => {
    await createTopic('poll-headers');
    for (let i = 0; i < 3; i++) expect((await produceV3('poll-headers', { value: { data: i }, headers: emptyHeaders(300) })).statusCode).toBe(200);
    const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };
    await inject({ method: 'POST', url: '/consumers/g-poll-headers', headers: V2, payload: { name: 'c', format: 'json' } });
    const at = '/consumers/g-poll-headers/instances/c';
    await inject({ method: 'POST', url: `${at}/assignments`, headers: V2, payload: { partitions: [{ topic: 'poll-headers', partition: 0 }] } });
    await inject({ method: 'POST', url: `${at}/positions/beginning`, headers: V2, payload: { partitions: [{ topic: 'poll-headers', partition: 0 }] } });
    // Each record is about 610 bytes: a 1000-byte poll holds one.
    const polled = await inject({ url: `${at}/records?timeout=1000&max_bytes=1000`, headers: { accept: 'application/vnd.kafka.json.v2+json' } });
    expect(polled.json().map((r: { offset: number }) => r.offset)).toEqual([0]);
    await inject({ method: 'DELETE', url: at });
  });

  it('stops a direct read at max_bytes counting headers', async () => {
    await createTopic('read-headers');
    for (let i = 0; i < 3; i++) await produceV3('read-headers', { value: { data: i }, headers: emptyHeaders(300) });
    const read = await inject({ url: `${gw.v3}/topics/read-headers/partitions/0/records?offset=0&max_bytes=1000&format=json` });
    expect(read.json().records.map((r: { offset: number }) => r.offset)).toEqual([0]);
  });
});

describe('the number of headers per record is bounded (MAX_HEADERS_PER_RECORD, 1000 by default)', () => {
  it('accepts 1000 headers', async () => {
    await createTopic('headers-1000');
    expect((await produceV3('headers-1000', { value: { data: 1 }, headers: emptyHeaders(1000) })).statusCode).toBe(200);
  });

  it('refuses 1001 on a v3 produce, naming the record and the limit, and writes nothing', async () => {
    await createTopic('headers-v3');
    const response = await produceV3('headers-v3', { value: { data: 1 }, headers: emptyHeaders(1001) });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ error_code: 41301, message: 'Record 0 has 1001 headers; a record may have at most 1000 (MAX_HEADERS_PER_RECORD).' });
    expect(await endOffset('headers-v3')).toBe(0);
  });

  it('refuses the record with 1001 in a v3 stream, and writes the others', async () => {
    await createTopic('headers-stream');
    const body = [{ value: { data: 'a' } }, { value: { data: 'b' }, headers: emptyHeaders(1001) }, { value: { data: 'c' } }]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const lines = (await produceV3('headers-stream', body)).body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.error_code)).toEqual([200, 41301, 200]);
    // Named by its place in the body, as the client counts.
    expect(lines[1].message).toBe('Record 1 has 1001 headers; a record may have at most 1000 (MAX_HEADERS_PER_RECORD).');
    const read = await inject({ url: `${gw.v3}/topics/headers-stream/partitions/0/records?offset=0&format=json` });
    expect(read.json().records.map((r: { value: string }) => r.value)).toEqual(['a', 'c']);
  });

  it('refuses a WebSocket produce holding a record with 1001, and writes none of its records', async () => {
    await createTopic('headers-ws');
    socket.send({ type: 'produce', id: 'many', topic: 'headers-ws', records: [{ value: 1 }, { value: 2, headers: emptyHeaders(1001) }] });
    const answer = await socket.next((m) => m.id === 'many');
    expect(answer).toMatchObject({
      type: 'error',
      error_code: 41301,
      message: 'Record 1 has 1001 headers; a record may have at most 1000 (MAX_HEADERS_PER_RECORD).',
    });
    expect(await endOffset('headers-ws')).toBe(0);
  });
});
