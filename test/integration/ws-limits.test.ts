import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';
import { connectSocket, takeRecords, type TestSocket } from '../support/ws-client.js';

/** What hostile or careless WebSocket and SSE clients may cost the gateway: credit, invalid floods, clients that stop reading. */
let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;
let base: string;
const sockets: TestSocket[] = [];

const QUEUE_TOTAL = 256 * 1024;
const QUEUE_PER_CLIENT = 128 * 1024;

beforeAll(async () => {
  redis = await suiteRedis();
  gw = await startGateway({
    redisUrl: redis.url,
    env: { CLIENT_QUEUE_TOTAL_BYTES: String(QUEUE_TOTAL), CLIENT_QUEUE_BYTES: String(QUEUE_PER_CLIENT), CLIENT_STALL_TIMEOUT_MS: '1500' },
  });
  await gw.app.listen({ port: 0, host: '127.0.0.1' });
  const address = gw.app.server.address();
  base = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await gw?.close();
  await redis?.stop();
});

const open = async () => {
  const client = await connectSocket(`ws://${base}/ws`);
  sockets.push(client);
  return client;
};
const createTopic = (name: string, partitions = 1) =>
  gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: name, partitions_count: partitions } });
const produce = (topic: string, values: unknown[], partition = 0) =>
  gw.app.inject({
    method: 'POST',
    url: `/topics/${topic}/partitions/${partition}`,
    headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
    payload: { records: values.map((value) => ({ value })) },
  });
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));
const delivered = (client: TestSocket) => client.received.filter((m) => m.type === 'records').reduce((n, m) => n + (m.records as unknown[]).length, 0);
const metric = async (name: string) => {
  const text = (await gw.app.inject({ url: '/metrics' })).body;
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
};

describe('flow control', () => {
  it.each([2, 6])('sends exactly the granted credit across %i partitions, never a grant per partition', async (partitions) => {
    const topic = `credit-shared-${partitions}`;
    await createTopic(topic, partitions);
    for (let p = 0; p < partitions; p++)
      await produce(
        topic,
        Array.from({ length: 20 }, (_, i) => i),
        p,
      );
    const client = await open();
    client.send({ type: 'assign', partitions: Array.from({ length: partitions }, (_, partition) => ({ topic, partition })), credit: 5 });
    await takeRecords(client, 5);
    await settle();
    expect(delivered(client)).toBe(5);

    client.send({ type: 'credit', records: 7 });
    await takeRecords(client, 7);
    await settle();
    expect(delivered(client)).toBe(12);

    // The budget never went negative: one more record granted is one more record sent.
    client.send({ type: 'credit', records: 1 });
    await takeRecords(client, 1);
    await settle();
    expect(delivered(client)).toBe(13);
  });

  it('shares the credit among partitions that have records', async () => {
    await createTopic('credit-fair', 2);
    for (const p of [0, 1])
      await produce(
        'credit-fair',
        Array.from({ length: 50 }, (_, i) => i),
        p,
      );
    const client = await open();
    client.send({ type: 'assign', partitions: [0, 1].map((partition) => ({ topic: 'credit-fair', partition })), credit: 40 });
    const records = await takeRecords(client, 40);
    const fromEach = [0, 1].map((p) => records.filter((r) => r.partition === p).length);
    expect(Math.min(...fromEach)).toBeGreaterThanOrEqual(10);
  });
});

describe('invalid messages', () => {
  it('never quotes a long input back, answers a flood only at a bounded rate, and closes a flooding socket with 1008', async () => {
    const client = await open();
    const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
    const junk = JSON.stringify({ type: 'x'.repeat(4096) });
    for (let i = 0; i < 300; i++) client.send(junk);
    expect(await closed).toBe(1008);
    const errors = client.received.filter((m) => m.type === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length).toBeLessThanOrEqual(25);
    for (const error of errors) {
      expect(error.error_code).toBe(400);
      expect((error.message as string).length).toBeLessThan(600);
    }
  });

  it('keeps a socket that makes a few mistakes open', async () => {
    await createTopic('few-mistakes');
    const client = await open();
    for (let i = 0; i < 5; i++) client.send({ type: 'nonsense' });
    for (let i = 0; i < 5; i++) await client.next((m) => m.type === 'error');
    client.send({ type: 'produce', id: 'ok', topic: 'few-mistakes', records: [{ value: 1 }] });
    expect((await client.next((m) => m.type === 'produced')).id).toBe('ok');
  });
});

describe('clients that stop reading', () => {
  it('bounds what they queue in total, keeps serving a reading client, and disconnects them once stalled', async () => {
    await createTopic('big-records');
    const value = 'v'.repeat(100 * 1024);
    for (let i = 0; i < 6; i++)
      await produce(
        'big-records',
        Array.from({ length: 10 }, () => value),
      );

    const connectionsBefore = await metric('streamgate_client_connections');
    const stalledBefore = await metric('streamgate_client_stalled_total');
    // Clients that ask for the partition, then read nothing more.
    const stalledClients: WebSocket[] = [];
    for (let i = 0; i < 6; i++) {
      const socket = new WebSocket(`ws://${base}/ws`);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.on('error', () => undefined);
      socket.send(JSON.stringify({ type: 'assign', partitions: [{ topic: 'big-records', partition: 0 }], credit: 100000 }));
      socket.pause();
      stalledClients.push(socket);
    }
    const reader = await open();
    reader.send({ type: 'assign', partitions: [{ topic: 'big-records', partition: 0 }], credit: 100000 });

    // What the gateway holds stays within the total budget, plus at most one record per client
    // beyond its share (a read always brings its first record).
    const bound = QUEUE_TOTAL + 7 * (value.length + 1024);
    let peak = 0;
    let readerDone = false;
    const reading = takeRecords(reader, 60, 20_000).then((records) => {
      readerDone = true;
      return records;
    });
    while (!readerDone || (await metric('streamgate_client_stalled_total')) < stalledBefore + 6) {
      peak = Math.max(peak, await metric('streamgate_client_queued_bytes'));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await reading).map((r) => r.offset)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(bound);
    expect(await metric('streamgate_client_connections')).toBe(connectionsBefore + 1);
    for (const socket of stalledClients) socket.terminate();
  });

  it('disconnects a Server-Sent Events client that reads nothing', async () => {
    await createTopic('sse-stall');
    const value = 'w'.repeat(100 * 1024);
    for (let i = 0; i < 6; i++)
      await produce(
        'sse-stall',
        Array.from({ length: 10 }, () => value),
      );
    const before = await metric('streamgate_client_stalled_total');
    const { request } = await import('node:http');
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(`http://${base}${gw.v3}/topics/sse-stall/events?from=earliest`, (res) => {
        res.socket.pause();
        resolve(res);
      });
      req.on('error', reject);
      req.end();
    });
    expect(response.statusCode).toBe(200);
    while ((await metric('streamgate_client_stalled_total')) === before) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await metric('streamgate_client_stalled_total')).toBe(before + 1);
    // Reading again, the client finds its stream cut off (an EventSource would reconnect and resume).
    const ended = new Promise<void>((resolve) => response.socket.once('close', () => resolve()));
    response.on('error', () => undefined);
    response.resume();
    await ended;
  });
});
