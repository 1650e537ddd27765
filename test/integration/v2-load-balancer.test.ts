/**
 * v2 consumer instances behind a real load balancer: three gateway processes on one Redis, and
 * Debian's HAProxy round-robining every request across them. Unlike REST Proxy, whose instances
 * live in one node, any gateway serves any instance.
 */
import { request as httpRequest } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupKeys, InstanceKeys } from '../../src/groups/redis/keys.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { haproxyBinary, startHaproxy, type LoadBalancer } from '../support/haproxy.js';
import { startRedis, uniquePrefix, type RedisServer } from '../support/redis.js';

const HAPROXY = haproxyBinary();
const IDLE_TIMEOUT_MS = 4000;
const SESSION_TIMEOUT_MS = 2000;
const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };
const JSON_RECORDS = { accept: 'application/vnd.kafka.json.v2+json' };

let redis: RedisServer;
let gateways: GatewayProcess[] = [];
let lb: LoadBalancer;
let prefix: string;

interface Answer {
  status: number;
  body: unknown;
  servedBy: string | null;
}

/** One HTTP request (node:http, which sends a GET body as Confluent's `GET …/offsets` wants it). */
function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${base}${path}`,
      { method, headers: payload === undefined ? headers : { ...V2, ...headers, 'content-length': Buffer.byteLength(payload) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const servedBy = response.headers['x-served-by'];
          resolve({
            status: response.statusCode ?? 0,
            body: text === '' ? undefined : (JSON.parse(text) as unknown),
            servedBy: typeof servedBy === 'string' ? servedBy : null,
          });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

const viaLb = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(lb.url, method, path, body, headers);
const at = (group: string, id: string, path = '') => `/consumers/${group}/instances/${id}${path}`;

interface Polled {
  topic: string;
  partition: number;
  offset: number;
  value: unknown;
}

async function poll(base: string, group: string, id: string, query = 'timeout=500'): Promise<Polled[]> {
  const answer = await call(base, 'GET', at(group, id, `/records?${query}`), undefined, JSON_RECORDS);
  if (answer.status !== 200) throw new Error(`poll answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body as Polled[];
}

async function createTopic(name: string, partitions: number): Promise<void> {
  const clusters = (await viaLb('GET', '/v3/clusters')).body as { data: Array<{ cluster_id: string }> };
  const created = await viaLb('POST', `/v3/clusters/${clusters.data[0].cluster_id}/topics`, { topic_name: name, partitions_count: partitions });
  expect(created.status).toBe(201);
}

async function produce(topic: string, partition: number, values: unknown[]): Promise<void> {
  const answer = await call(
    lb.url,
    'POST',
    `/topics/${topic}/partitions/${partition}`,
    { records: values.map((value) => ({ value })) },
    { 'content-type': 'application/vnd.kafka.json.v2+json' },
  );
  expect(answer.status).toBe(200);
}

async function createInstance(group: string, id: string, config: Record<string, string> = {}): Promise<void> {
  const answer = await viaLb('POST', `/consumers/${group}`, { name: id, format: 'json', 'auto.offset.reset': 'earliest', ...config });
  expect(answer.status).toBe(200);
}

async function subscribe(group: string, id: string, topics: string[]): Promise<void> {
  expect((await viaLb('POST', at(group, id, '/subscription'), { topics })).status).toBe(204);
}

/** Polls through the load balancer until `count` records came (or the deadline passes). */
async function drain(group: string, id: string, count: number, deadlineMs = 20_000): Promise<Polled[]> {
  const got: Polled[] = [];
  const deadline = Date.now() + deadlineMs;
  while (got.length < count && Date.now() < deadline) got.push(...(await poll(lb.url, group, id, 'timeout=300&max_bytes=2000')));
  return got;
}

async function partitionsOf(base: string, group: string, id: string): Promise<number[]> {
  const answer = await call(base, 'GET', at(group, id, '/assignments'));
  return ((answer.body as { partitions: Array<{ partition: number }> }).partitions ?? []).map((p) => p.partition).sort();
}

async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The process id in the lease token of the gateway driving an instance's group member (`host/pid/uuid`). */
async function driverPid(group: string, id: string): Promise<number | undefined> {
  const client = new Redis(redis.url);
  try {
    const token = await client.get(new InstanceKeys(prefix).lease(group, id));
    return token === null ? undefined : Number(token.split('/')[1]);
  } finally {
    client.disconnect();
  }
}

/** Kafka's generation of a group: bumped by every rebalance (a new assignment). */
async function generation(group: string): Promise<number> {
  const client = new Redis(redis.url);
  try {
    return Number(await client.hget(new GroupKeys(prefix).meta(group), 'gen'));
  } finally {
    client.disconnect();
  }
}

const ids = (records: Polled[]) => records.map((r) => `${r.partition}:${r.offset}`);

describe.skipIf(!HAPROXY)(
  `v2 consumer instances behind HAProxy round-robin over three gateways${HAPROXY ? '' : ' (SKIPPED: haproxy is not installed; .ci/run installs it)'}`,
  () => {
    beforeAll(async () => {
      redis = await startRedis();
      prefix = uniquePrefix('lb');
      const env = {
        REDIS_URL: redis.url,
        KEY_PREFIX: prefix,
        CONSUMER_INSTANCE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
        CONSUMER_INSTANCE_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      };
      gateways = await Promise.all(['g1', 'g2', 'g3'].map((name) => startGatewayProcess(name, env)));
      lb = await startHaproxy(gateways.map((g) => ({ name: g.name, port: g.port })));
    }, 120_000);

    afterAll(async () => {
      await lb?.stop();
      await Promise.all(gateways.map((g) => g.stop()));
      await redis?.stop();
    });

    it('sends consecutive requests to different gateways', async () => {
      const served = new Set<string | null>();
      for (let i = 0; i < 6; i++) served.add((await viaLb('GET', '/v3/clusters')).servedBy);
      expect([...served].sort()).toEqual(['g1', 'g2', 'g3']);
    });

    it('runs an instance through whichever gateway each request reaches: every record once, in order; commits, seeks, assignments, delete', async () => {
      await createTopic('lb-flow', 3);
      for (let p = 0; p < 3; p++)
        await produce(
          'lb-flow',
          p,
          Array.from({ length: 40 }, (_, i) => ({ p, i })),
        );
      await createInstance('g-lb-flow', 'c1', { 'auto.commit.enable': 'false' });
      await subscribe('g-lb-flow', 'c1', ['lb-flow']);
      expect((await viaLb('GET', at('g-lb-flow', 'c1', '/subscription'))).body).toEqual({ topics: ['lb-flow'] });
      // Each gateway answers for the instance it did not create.
      for (const gateway of gateways)
        expect(
          await until(
            'assignment',
            () => partitionsOf(gateway.url, 'g-lb-flow', 'c1'),
            (p) => p.length === 3,
          ),
        ).toEqual([0, 1, 2]);

      const got = await drain('g-lb-flow', 'c1', 120);
      expect(new Set(ids(got)).size).toBe(got.length);
      expect(got).toHaveLength(120);
      for (let p = 0; p < 3; p++) {
        expect(got.filter((r) => r.partition === p).map((r) => r.offset)).toEqual(Array.from({ length: 40 }, (_, i) => i));
        expect(got.filter((r) => r.partition === p).map((r) => r.value)).toEqual(Array.from({ length: 40 }, (_, i) => ({ p, i })));
      }
      expect(await poll(lb.url, 'g-lb-flow', 'c1', 'timeout=0')).toEqual([]);

      // Commit (Confluent's last-processed convention) through one gateway, read it through the others.
      expect((await viaLb('POST', at('g-lb-flow', 'c1', '/offsets'), { offsets: [{ topic: 'lb-flow', partition: 1, offset: 29 }] })).status).toBe(200);
      for (let i = 0; i < 3; i++) {
        const committed = await viaLb('GET', at('g-lb-flow', 'c1', '/offsets'), { partitions: [{ topic: 'lb-flow', partition: 1 }] });
        expect(committed.body).toEqual({ offsets: [{ topic: 'lb-flow', partition: 1, offset: 30, metadata: '' }] });
      }
      // A commit of everything fetched, without a body.
      expect((await viaLb('POST', at('g-lb-flow', 'c1', '/offsets'))).status).toBe(200);
      const all = await viaLb('GET', at('g-lb-flow', 'c1', '/offsets'), { partitions: [0, 1, 2].map((partition) => ({ topic: 'lb-flow', partition })) });
      expect((all.body as { offsets: Array<{ offset: number }> }).offsets.map((o) => o.offset)).toEqual([40, 40, 40]);

      // Seek through one gateway; the next polls, wherever they land, read from there.
      expect((await viaLb('POST', at('g-lb-flow', 'c1', '/positions'), { offsets: [{ topic: 'lb-flow', partition: 2, offset: 35 }] })).status).toBe(204);
      expect((await viaLb('POST', at('g-lb-flow', 'c1', '/positions/beginning'), { partitions: [{ topic: 'lb-flow', partition: 0 }] })).status).toBe(204);
      const again = await drain('g-lb-flow', 'c1', 45);
      expect(again.filter((r) => r.partition === 2).map((r) => r.offset)).toEqual([35, 36, 37, 38, 39]);
      expect(again.filter((r) => r.partition === 0).map((r) => r.offset)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      const notHeld = await viaLb('POST', at('g-lb-flow', 'c1', '/positions/end'), { partitions: [{ topic: 'lb-flow', partition: 7 }] });
      expect((notHeld.body as { error_code: number }).error_code).toBe(40903);

      expect((await viaLb('DELETE', at('g-lb-flow', 'c1'))).status).toBe(204);
      for (const gateway of gateways) {
        expect(((await call(gateway.url, 'GET', at('g-lb-flow', 'c1', '/subscription'))).body as { error_code: number }).error_code).toBe(40403);
      }
      // The instance left its group: a new one gets every partition, from the group's commits.
      await createInstance('g-lb-flow', 'c2');
      await subscribe('g-lb-flow', 'c2', ['lb-flow']);
      await produce('lb-flow', 1, ['after']);
      expect((await drain('g-lb-flow', 'c2', 1)).map((r) => r.value)).toEqual(['after']);
      await viaLb('DELETE', at('g-lb-flow', 'c2'));
    }, 60_000);

    it('serves a manually assigned instance through every gateway', async () => {
      await createTopic('lb-manual', 2);
      await produce('lb-manual', 1, ['a', 'b', 'c']);
      await createInstance('g-lb-manual', 'm');
      expect((await viaLb('POST', at('g-lb-manual', 'm', '/assignments'), { partitions: [{ topic: 'lb-manual', partition: 1 }] })).status).toBe(204);
      for (const gateway of gateways) expect(await partitionsOf(gateway.url, 'g-lb-manual', 'm')).toEqual([1]);
      expect((await drain('g-lb-manual', 'm', 3)).map((r) => r.value)).toEqual(['a', 'b', 'c']);
      // auto.commit.enable (the default): each poll committed its positions.
      const committed = await viaLb('GET', at('g-lb-manual', 'm', '/offsets'), { partitions: [{ topic: 'lb-manual', partition: 1 }] });
      expect((committed.body as { offsets: Array<{ offset: number }> }).offsets[0].offset).toBe(3);
      await viaLb('DELETE', at('g-lb-manual', 'm'));
    });

    it('never returns a record twice when two gateways poll one instance at once', async () => {
      await createTopic('lb-race', 2);
      const total = 600;
      for (let p = 0; p < 2; p++)
        await produce(
          'lb-race',
          p,
          Array.from({ length: total / 2 }, (_, i) => i),
        );
      await createInstance('g-lb-race', 'r', { 'auto.commit.enable': 'false' });
      await subscribe('g-lb-race', 'r', ['lb-race']);
      await until(
        'assignment',
        () => partitionsOf(lb.url, 'g-lb-race', 'r'),
        (p) => p.length === 2,
      );
      // Two pollers, each on its own gateway, each taking a few records per round.
      const got: Polled[][] = [[], []];
      const pollers = [gateways[0], gateways[1]].map(async (gateway, which) => {
        for (let rounds = 0; rounds < 1000 && got[0].length + got[1].length < total; rounds++) {
          got[which].push(...(await poll(gateway.url, 'g-lb-race', 'r', 'timeout=0&max_bytes=60')));
        }
      });
      await Promise.all(pollers);
      const everything = [...got[0], ...got[1]];
      expect(got[0].length).toBeGreaterThan(0);
      expect(got[1].length).toBeGreaterThan(0);
      expect(everything).toHaveLength(total);
      expect(new Set(ids(everything)).size).toBe(total);
      // Each poller saw each partition's records in order.
      for (const mine of got) {
        for (let p = 0; p < 2; p++) {
          const offsets = mine.filter((r) => r.partition === p).map((r) => r.offset);
          expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
        }
      }
      await viaLb('DELETE', at('g-lb-race', 'r'));
    }, 60_000);

    it('expires an idle instance on whichever gateway notices, and the group takes its partitions over', async () => {
      await createTopic('lb-idle', 2);
      for (const id of ['sleepy', 'awake']) {
        await createInstance('g-lb-idle', id);
        await subscribe('g-lb-idle', id, ['lb-idle']);
      }
      await until(
        'split',
        () => partitionsOf(lb.url, 'g-lb-idle', 'awake'),
        (p) => p.length === 1,
      );
      // Only `awake` is used; its long polls keep it alive longer than the idle timeout.
      const deadline = Date.now() + IDLE_TIMEOUT_MS + 2000;
      while (Date.now() < deadline) await poll(lb.url, 'g-lb-idle', 'awake', `timeout=${IDLE_TIMEOUT_MS / 2}`);
      for (const gateway of gateways) {
        expect(((await call(gateway.url, 'GET', at('g-lb-idle', 'sleepy', '/subscription'))).body as { error_code: number }).error_code).toBe(40403);
      }
      expect(
        await until(
          "takeover of the idle one's partition",
          () => partitionsOf(lb.url, 'g-lb-idle', 'awake'),
          (p) => p.length === 2,
        ),
      ).toEqual([0, 1]);
      await viaLb('DELETE', at('g-lb-idle', 'awake'));
    }, 30_000);

    // The last two leave two gateways, then one.
    it('hands an instance over when the gateway driving it shuts down: the next request anywhere takes it up, from its positions', async () => {
      await createTopic('lb-handover', 2);
      for (let p = 0; p < 2; p++)
        await produce(
          'lb-handover',
          p,
          Array.from({ length: 20 }, (_, i) => i),
        );
      await createInstance('g-lb-handover', 'h', { 'auto.commit.enable': 'false' });
      await subscribe('g-lb-handover', 'h', ['lb-handover']);
      await until(
        'assignment',
        () => partitionsOf(lb.url, 'g-lb-handover', 'h'),
        (p) => p.length === 2,
      );
      const first = await drain('g-lb-handover', 'h', 40);
      expect(first).toHaveLength(40);

      const before = await generation('g-lb-handover');
      expect(before).toBeGreaterThan(0);
      const pid = await driverPid('g-lb-handover', 'h');
      const driver = gateways.find((g) => g.pid === pid);
      expect(driver).toBeDefined();
      if (!driver) return;
      await driver.stop();
      gateways = gateways.filter((g) => g !== driver);
      // It gave its lease up: no wait for it to lapse.
      expect(await driverPid('g-lb-handover', 'h')).toBeUndefined();

      for (let p = 0; p < 2; p++)
        await produce(
          'lb-handover',
          p,
          Array.from({ length: 10 }, (_, i) => 20 + i),
        );
      const rest = await drain('g-lb-handover', 'h', 20);
      expect(gateways.map((g) => g.pid)).toContain(await driverPid('g-lb-handover', 'h'));
      // The new member took the static member's place: no rebalance.
      expect(await generation('g-lb-handover')).toBe(before);
      const everything = [...first, ...rest];
      expect(new Set(ids(everything)).size).toBe(everything.length);
      for (let p = 0; p < 2; p++) expect(everything.filter((r) => r.partition === p).map((r) => r.offset)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      await viaLb('DELETE', at('g-lb-handover', 'h'));
    }, 60_000);

    it('goes on through another gateway when the one driving the instance is killed mid-poll, from its positions', async () => {
      await createTopic('lb-kill', 2);
      for (let p = 0; p < 2; p++)
        await produce(
          'lb-kill',
          p,
          Array.from({ length: 30 }, (_, i) => i),
        );
      await createInstance('g-lb-kill', 'k', { 'auto.commit.enable': 'false' });
      await subscribe('g-lb-kill', 'k', ['lb-kill']);
      await until(
        'assignment',
        () => partitionsOf(lb.url, 'g-lb-kill', 'k'),
        (p) => p.length === 2,
      );
      // Nothing is committed: only the instance's positions say where it is.
      const first = await drain('g-lb-kill', 'k', 60);
      expect(first).toHaveLength(60);

      const before = await generation('g-lb-kill');
      expect(before).toBeGreaterThan(0);
      const pid = await driverPid('g-lb-kill', 'k');
      const driver = gateways.find((g) => g.pid === pid);
      expect(driver).toBeDefined();
      if (!driver) return;
      // A long poll in flight on the driver when it dies.
      const inFlight = poll(driver.url, 'g-lb-kill', 'k', 'timeout=10000').then(
        () => 'answered',
        () => 'cut',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      await driver.kill();
      expect(await inFlight).toBe('cut');
      gateways = gateways.filter((g) => g !== driver);

      // Served on: while the dead driver's lease lasts (its member's session too), from the partitions it held…
      for (let p = 0; p < 2; p++)
        await produce(
          'lb-kill',
          p,
          Array.from({ length: 10 }, (_, i) => 30 + i),
        );
      const during = await drain('g-lb-kill', 'k', 20, 30_000);
      // …then a request finds the lease lapsed and its gateway takes over with the same static member.
      await until(
        'a takeover',
        async () => (await poll(lb.url, 'g-lb-kill', 'k', 'timeout=100'), await driverPid('g-lb-kill', 'k')),
        (pid) => gateways.some((g) => g.pid === pid),
      );
      for (let p = 0; p < 2; p++)
        await produce(
          'lb-kill',
          p,
          Array.from({ length: 10 }, (_, i) => 40 + i),
        );
      const after = await drain('g-lb-kill', 'k', 20, 30_000);
      expect(await generation('g-lb-kill')).toBe(before);

      const everything = [...first, ...during, ...after];
      expect(new Set(ids(everything)).size).toBe(everything.length);
      // Nothing was committed: had the positions been lost, the instance would have started again at 0.
      for (let p = 0; p < 2; p++) expect(everything.filter((r) => r.partition === p).map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      await viaLb('DELETE', at('g-lb-kill', 'k'));
    }, 60_000);
  },
);
