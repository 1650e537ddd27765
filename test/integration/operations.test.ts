import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { freePort, startRedis, type RedisServer } from '../support/redis.js';

let redis: RedisServer;
let gw: TestGateway;

beforeAll(async () => {
  // AOF on: the outage test restarts Redis and expects the log to still be there.
  redis = await startRedis({ appendonly: true });
  gw = await startGateway({ redisUrl: redis.url, env: { REDIS_COMMAND_TIMEOUT_MS: '500' } });
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

const produce = () =>
  gw.app.inject({
    method: 'POST',
    url: '/topics/outage',
    headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
    payload: { records: [{ value: 1 }] },
  });

async function eventually<T>(attempt: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('health and readiness', () => {
  it('is live and ready with Redis up, and names the store', async () => {
    const durability = { mode: 'aof-everysec', appendonly: 'yes', appendfsync: 'everysec', save: '' };
    expect((await gw.app.inject({ url: '/health' })).json()).toEqual({ status: 'UP', store: 'redis', durable: false, durability });
    expect((await gw.app.inject({ url: '/ready' })).statusCode).toBe(200);
  });

  it('exposes Prometheus metrics with per-route request counts', async () => {
    const count = async (route: string, status: number) => {
      const body = (await gw.app.inject({ url: '/metrics' })).body;
      const line = new RegExp(`streamgate_http_request_duration_seconds_count\\{method="GET",route="${route}",status="${status}"\\} (\\d+)`).exec(body);
      return Number(line?.[1] ?? 0);
    };
    const before = await count('/health', 200);
    for (let i = 0; i < 3; i++) await gw.app.inject({ url: '/health' });
    await gw.app.inject({ url: '/v3/clusters/nope/topics/nope' });
    const metrics = await gw.app.inject({ url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(await count('/health', 200)).toBe(before + 3);
    expect(await count('/v3/clusters/:cluster_id/topics/:topic_name', 404)).toBeGreaterThanOrEqual(1);
    expect(metrics.body).toMatch(/streamgate_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/health",status="200"\} \d+/);
    expect(metrics.body).toMatch(/streamgate_process_resident_memory_bytes/);
  });
});

describe('request size limits', () => {
  it('refuses a body over BODY_LIMIT_BYTES with 413 and writes nothing', async () => {
    const small = await startGateway({ redisUrl: redis.url, env: { BODY_LIMIT_BYTES: '2048' } });
    try {
      await small.app.inject({ method: 'POST', url: `${small.v3}/topics`, payload: { topic_name: 'limited' } });
      const records = Array.from({ length: 50 }, (_, i) => ({ value: `record-${i}-${'x'.repeat(40)}` }));
      const response = await small.app.inject({
        method: 'POST',
        url: '/topics/limited',
        headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
        payload: { records },
      });
      expect(response.statusCode).toBe(413);
      expect(response.json().error_code).toBe(413);
      expect((await small.app.inject({ url: '/topics/limited/partitions/0/offsets' })).json().end_offset).toBe(0);
    } finally {
      await small.close();
    }
  });
});

describe('when Redis goes away', () => {
  it('fails fast with a retriable 503, stays live, and recovers by itself when Redis returns', async () => {
    await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'outage' } });
    expect((await produce()).statusCode).toBe(200);

    await redis.kill();
    const failed = await produce();
    expect(failed.statusCode).toBe(503);
    expect(failed.json().error_code).toBe(50301);
    // Refused before it was sent (no connection): certainly not written, and the message does not hedge.
    expect(failed.json().message).not.toMatch(/may or may not/);
    expect(failed.headers['retry-after']).toBe('1');
    const notReady = await gw.app.inject({ url: '/ready' });
    expect(notReady.statusCode).toBe(503);
    expect((await gw.app.inject({ url: '/health' })).statusCode).toBe(200);

    await redis.start();
    const recovered = await eventually(produce, (r) => r.statusCode === 200);
    expect(recovered.statusCode).toBe(200);
    expect(recovered.json().offsets[0].offset).toBe(1);
    expect((await gw.app.inject({ url: '/ready' })).statusCode).toBe(200);
  });
});

describe('the process', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('refuses a bad configuration at start with a message naming the variable', async () => {
    const bad = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    bad.stderr?.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => bad.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/PORT must be an integer/);
  });

  it('says loudly that nothing is durable on the in-memory store', async () => {
    const port = await freePort();
    const memory = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: String(port), REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    memory.stdout?.on('data', (chunk) => (out += chunk));
    await eventually(
      async () => out,
      (text) => text.includes('Server listening'),
    );
    memory.kill('SIGTERM');
    await new Promise((resolve) => memory.on('exit', resolve));
    expect(out).toMatch(/NOTHING IS DURABLE/);
  });

  it('finishes an in-flight request on SIGTERM, then closes and exits 0', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', REDIS_URL: redis.url, KEY_PREFIX: gw.config.keyPrefix, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (chunk) => (out += chunk));
    await eventually(
      async () => out,
      (text) => text.includes('Server listening'),
    );
    const exited = new Promise<number | null>((resolve) => child!.on('exit', resolve));

    const body = JSON.stringify({ records: [{ value: 'in-flight' }] });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/topics/outage',
          headers: { 'content-type': 'application/vnd.kafka.json.v2+json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      // Half the body now, SIGTERM, then the rest: the request is in flight when shutdown begins.
      req.write(body.slice(0, 10));
      setTimeout(() => {
        child!.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 200);
    });
    const answered = await response;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body).offsets[0].offset).toBeGreaterThanOrEqual(0);
    expect(await exited).toBe(0);
    expect(out).toMatch(/shutting down/);
  });
});
