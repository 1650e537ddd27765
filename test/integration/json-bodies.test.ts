import type { InjectOptions } from 'fastify';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';
import { connectSocket, type TestSocket } from '../support/ws-client.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;
let wsUrl: string;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  redis = await suiteRedis();
  gw = await startGateway({ redisUrl: redis.url });
  await gw.app.listen({ port: 0, host: '127.0.0.1' });
  const address = gw.app.server.address();
  wsUrl = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ws`;
  await inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'bodies', partitions_count: 1 } });
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await gw?.close();
  await redis?.stop();
});

const inject = (options: InjectOptions) => gw.app.inject(options);
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const notUtf8 = (before: string, after: string) => Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xc3]), Buffer.from(after)]);
const endOffset = async () => (await inject({ url: '/topics/bodies/partitions/0/offsets' })).json().end_offset as number;
const subjects = async () => (await inject({ url: '/subjects' })).json() as string[];

// Every JSON content type the gateway takes, with a route that reads it ({v3} is the cluster's v3 path).
const ROUTES: Array<[string, string]> = [
  ['application/json', '{v3}/topics/bodies/records'],
  ['application/json', '{v3}/topics'],
  ['application/vnd.kafka.v3+json', '{v3}/topics'],
  ['application/vnd.kafka.json.v2+json', '/topics/bodies'],
  ['application/vnd.kafka.binary.v2+json', '/topics/bodies'],
  ['application/vnd.kafka.v2+json', '/consumers/g-bodies'],
  ['application/vnd.schemaregistry.v1+json', '/subjects/bodies-value/versions'],
  ['application/vnd.schemaregistry+json', '/subjects/bodies-value/versions'],
  ['application/octet-stream', '/subjects/bodies-value/versions'],
];
const urlOf = (path: string) => path.replace('{v3}', gw.v3);

describe('JSON nested too deep', () => {
  it.each(ROUTES)('is a 400 with a Confluent body for %s (POST %s), and changes nothing', async (type, url) => {
    const response = await inject({
      method: 'POST',
      url: urlOf(url),
      headers: { 'content-type': type },
      payload: `{"records":[{"value":${nested(100_000)}}]}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 400, message: 'JSON nested deeper than 100 levels of arrays and objects is refused.' });
    expect(await endOffset()).toBe(0);
    expect(await subjects()).toEqual([]);
  });

  it('takes a v3 record nested 100 levels in all, and refuses 101', async () => {
    // {"value":{"data": …}} is two levels of the body.
    const at100 = await inject({
      method: 'POST',
      url: `${gw.v3}/topics/bodies/records`,
      headers: { 'content-type': 'application/json' },
      payload: `{"value":{"data":${nested(98)}}}`,
    });
    expect(at100.statusCode).toBe(200);
    const at101 = await inject({
      method: 'POST',
      url: `${gw.v3}/topics/bodies/records`,
      headers: { 'content-type': 'application/json' },
      payload: `{"value":{"data":${nested(99)}}}`,
    });
    expect(at101.statusCode).toBe(400);
    expect(await endOffset()).toBe(1);
    await gw.app.services.store.deleteRecordsBefore('bodies', 0, 1);
  });

  it('refuses a v3 stream in which one record is too deep, writing none of it', async () => {
    const before = await endOffset();
    const body = [`{"value":{"data":1}}`, `{"value":{"data":${nested(500)}}}`, `{"value":{"data":3}}`].join('\n');
    const response = await inject({ method: 'POST', url: `${gw.v3}/topics/bodies/records`, headers: { 'content-type': 'application/json' }, payload: body });
    expect(response.statusCode).toBe(400);
    expect(response.json().error_code).toBe(400);
    expect(await endOffset()).toBe(before);
  });

  it('is a 400 in the partitions body of GET …/offsets (v2)', async () => {
    const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };
    await inject({ method: 'POST', url: '/consumers/g-deep-get', headers: V2, payload: { name: 'c' } });
    const response = await inject({
      method: 'GET',
      url: '/consumers/g-deep-get/instances/c/offsets',
      headers: V2,
      payload: `{"partitions":${nested(100_000)}}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/nested deeper than 100 levels/);
    await inject({ method: 'DELETE', url: '/consumers/g-deep-get/instances/c' });
  });

  it('is an error message on a WebSocket, which stays open', async () => {
    const client = await connectSocket(wsUrl);
    sockets.push(client);
    client.send(`{"type":"produce","id":1,"topic":"bodies","records":[{"value":${nested(100_000)}}]}`);
    const answer = await client.next((m) => m.type === 'error');
    expect(answer).toMatchObject({ error_code: 400, message: expect.stringMatching(/nested deeper than 100 levels/) });
    client.send({ type: 'produce', id: 2, topic: 'bodies', records: [{ value: 'fine' }] });
    expect(await client.next((m) => m.type === 'produced')).toMatchObject({ id: 2 });
  });
});

describe('JSON that is not UTF-8', () => {
  it.each(ROUTES)('is a 400 for %s (POST %s), and nothing is stored', async (type, url) => {
    const before = await endOffset();
    const payload = notUtf8('{"records":[{"value":"caf', '"}],"value":{"data":"x"},"schema":"\\"string\\""}');
    const response = await inject({ method: 'POST', url: urlOf(url), headers: { 'content-type': type }, payload });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 400, message: expect.stringMatching(/^The body is not valid UTF-8/) });
    expect(await endOffset()).toBe(before);
    expect(await subjects()).toEqual([]);
  });

  it('closes a WebSocket whose text frame is not UTF-8 with 1007, as the WebSocket protocol says', async () => {
    const socket = new WebSocket(wsUrl);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(notUtf8('{"type":"produce","topic":"bodies","records":[{"value":"', '"}]}'), { binary: false });
    expect(await closed).toBe(1007);
  });
});
