/** What the sections of `npm run bench:lifecycle` share: the gateway and Redis of the run, settings, and the calls they all make. */
import type { Redis } from 'ioredis';
import type { RedisServer } from '../../test/support/redis.js';
import { gatewaySpec } from '../gateway-server.js';
import type { ServerProcess } from '../server-process.js';

export interface Context {
  gateway: ServerProcess;
  redis: RedisServer;
  admin: Redis;
  /** `/v3/clusters/<id>`. */
  v3: string;
}

/** BENCH_LIFECYCLE_QUICK=1: every section with short defaults, to check that it runs; the results file is not written. */
export const QUICK = process.env.BENCH_LIFECYCLE_QUICK === '1';

/**
 * A positive integer from the environment; unset, the section's own default, or its quick one.
 * The shared knobs (BENCH_DURATION, BENCH_ROUNDS, BENCH_CONNECTIONS) keep each section's default when unset.
 */
export function setting(name: string, fallback: number, quick = fallback): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return QUICK ? quick : fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

/** BENCH_RUNTIME=tsx runs the gateway from source and skips compiling it (default dist: as `npm start` runs it). */
export const FROM_SOURCE = process.env.BENCH_RUNTIME === 'tsx';

/** How every gateway of the run is started. */
export const gatewayOf = (port: number, redisUrl: string) => gatewaySpec({ port, redisUrl, ...(FROM_SOURCE ? { entry: 'src/main.ts', tsx: true } : {}) });

export const V2_JSON = { 'content-type': 'application/vnd.kafka.json.v2+json' };
export const KEY_PREFIX = 'sg';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const thousands = (n: number) => Math.round(n).toLocaleString('en-US');
export const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

export async function createTopic(ctx: Context, name: string, configs: Record<string, string> = {}, partitions = 1): Promise<void> {
  const response = await fetch(`${ctx.gateway.baseUrl}${ctx.v3}/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic_name: name, partitions_count: partitions, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }),
  });
  if (response.status !== 201) throw new Error(`creating ${name}: ${response.status} ${await response.text()}`);
}

export async function produce(ctx: Context, topic: string, body: string): Promise<void> {
  const response = await fetch(`${ctx.gateway.baseUrl}/topics/${topic}`, { method: 'POST', headers: V2_JSON, body });
  if (response.status !== 200) throw new Error(`produce to ${topic}: ${response.status} ${await response.text()}`);
}

export const partitionOf = async (ctx: Context, topic: string) =>
  (await (await fetch(`${ctx.gateway.baseUrl}${ctx.v3}/topics/${topic}/partitions/0`)).json()) as {
    earliest_offset: number;
    latest_offset: number;
    size_bytes: number;
  };

/** Redis memory of one single-partition topic: its stream, meta hash and time index. */
export async function topicMemory(admin: Redis, topic: string): Promise<number> {
  const keys = ['log', 'meta', 'tidx'].map((suffix) => `${KEY_PREFIX}:{${topic}:0}:${suffix}`);
  const usages = await Promise.all(keys.map((key) => admin.call('MEMORY', 'USAGE', key, 'SAMPLES', '0') as Promise<number | null>));
  return usages.reduce<number>((sum, usage) => sum + (usage ?? 0), 0);
}

export async function redisCpuSeconds(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** A ~1 KB JSON order event, different every time (the memory, produce and cleaner sections). */
let sequence = 0;
function orderEvent(): object {
  const n = sequence++;
  return {
    order_id: `ord-${n.toString(36).padStart(8, '0')}`,
    customer: { id: `cust-${n % 9973}`, name: `Customer ${n % 9973}`, email: `customer${n % 9973}@example.com`, tier: ['gold', 'silver', 'bronze'][n % 3] },
    created_at: new Date(1_700_000_000_000 + n * 1000).toISOString(),
    status: ['placed', 'paid', 'shipped', 'delivered'][n % 4],
    currency: 'EUR',
    items: Array.from({ length: 4 }, (_, i) => ({
      sku: `SKU-${(n * 7 + i) % 5003}`,
      title: `Product number ${(n * 7 + i) % 5003} in a longer descriptive title`,
      quantity: 1 + ((n + i) % 3),
      unit_price: Number((((n + i) % 500) + 0.99).toFixed(2)),
    })),
    shipping: { street: `${n % 300} Long Street Name`, city: 'Amsterdam', postcode: `10${n % 90} AB`, country: 'NL', method: 'express' },
    notes: 'Leave the parcel at the door if nobody answers the bell.',
  };
}
export const batchBody = (count: number) => JSON.stringify({ records: Array.from({ length: count }, () => ({ key: `k-${sequence}`, value: orderEvent() })) });
