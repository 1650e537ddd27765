/**
 * No duplicate writes from the gateway's own retries, and a 503 says whether the write may have
 * happened. A proxy between gateway and Redis loses a command or its reply on purpose.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { startRedisProxy, type RedisProxy } from '../support/redis-proxy.js';

let server: RedisServer;
let proxy: RedisProxy;
let gw: TestGateway;
let admin: Redis;

beforeAll(async () => {
  server = await startRedis({ appendfsync: 'always' });
  proxy = await startRedisProxy(server.port);
  gw = await startGateway({ redisUrl: proxy.url, env: { REDIS_COMMAND_TIMEOUT_MS: '500' } });
  admin = new Redis(server.url);
  admin.on('error', () => undefined);
});
afterAll(async () => {
  admin?.disconnect();
  await gw?.close();
  await proxy?.close();
  await server?.stop();
});

const MAYBE = /may or may not have been written/;

async function eventually<T>(attempt: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type Produce = (value: string) => Promise<{ statusCode: number; json(): { offsets: Array<{ offset: number }>; message: string } }>;

async function topic(name: string): Promise<Produce> {
  expect((await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: name } })).statusCode).toBe(201);
  const produce: Produce = (value) =>
    gw.app.inject({
      method: 'POST',
      url: `/topics/${name}`,
      headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
      payload: { records: [{ value }] },
    });
  expect((await produce('first')).statusCode).toBe(200);
  return produce;
}

const stored = async (name: string): Promise<string[]> =>
  (await admin.xrange(`${gw.config.keyPrefix}:{${name}:0}:log`, '-', '+')).map(([, fields]) => JSON.parse(fields[fields.indexOf('v') + 1]));

/** Until the gateway's Redis connection is back (it reconnects by itself). */
const backAgain = () =>
  eventually(
    () => gw.app.inject({ url: '/ready' }),
    (response) => response.statusCode === 200,
  );

afterEach(async () => {
  await backAgain();
});

describe('an append whose outcome the gateway cannot know', () => {
  it('is stored once when Redis applied it but the reply was lost, and the 503 says it may have been written', async () => {
    const produce = await topic('reply-lost');
    // The append script's reply is an array of integers: [append time, base offset].
    const lost = proxy.loseReply('EVALSHA', /\*2\r\n:-?\d+\r\n:\d+\r\n/);
    const response = await produce('second');
    await lost;
    await backAgain();
    expect(await stored('reply-lost')).toEqual(['first', 'second']);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error_code: 50301, message: expect.stringMatching(MAYBE) });
    expect((await produce('third')).json().offsets[0].offset).toBe(2);
    expect(await stored('reply-lost')).toEqual(['first', 'second', 'third']);
  });

  it('is not written later, after the 503, when the command never reached Redis', async () => {
    const produce = await topic('request-lost');
    const lost = proxy.loseRequest('EVALSHA');
    // Redis looks down for longer than the request may wait, then comes back.
    proxy.refuseConnections(1500);
    const response = await produce('second');
    await lost;
    await backAgain();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await stored('request-lost')).toEqual(['first']);
    expect(response.statusCode).toBe(503);
    expect(response.json().message).toMatch(MAYBE);
    // The client retries as told, and the record is there once.
    expect((await produce('second')).statusCode).toBe(200);
    expect(await stored('request-lost')).toEqual(['first', 'second']);
  });

  it('says it may have been written when Redis took too long, and Redis then applies it once', async () => {
    const produce = await topic('paused');
    await admin.call('CLIENT', 'PAUSE', '1500', 'WRITE');
    const response = await produce('second');
    expect(response.statusCode).toBe(503);
    expect(response.json().message).toMatch(MAYBE);
    await eventually(
      () => stored('paused'),
      (values) => values.length === 2,
    );
    expect(await stored('paused')).toEqual(['first', 'second']);
  });
});

describe('Redis killed under load', () => {
  it('stores no record twice, and keeps every acknowledged one', async () => {
    const produce = await topic('killed');
    const outcomes = new Map<string, number>();
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const value = `w${w}-${i}`;
        outcomes.set(value, (await produce(value)).statusCode);
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    await eventually(
      async () => outcomes.size,
      (n) => n > 200,
    );
    await server.crash();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.start();
    await eventually(
      async () => [...outcomes.values()].filter((status) => status === 200).length,
      () => false,
      1500,
    );
    stop = true;
    await Promise.all(workers);

    const values = (await stored('killed')).slice(1);
    expect(values.length).toBe(new Set(values).size);
    const acknowledged = [...outcomes].filter(([, status]) => status === 200).map(([value]) => value);
    expect(values).toEqual(expect.arrayContaining(acknowledged));
    expect([...outcomes.values()].every((status) => status === 200 || status === 503)).toBe(true);
  });
});
