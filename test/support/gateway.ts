import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { uniquePrefix } from './redis.js';

export interface TestGateway {
  app: FastifyInstance;
  config: Config;
  clusterId: string;
  /** `/v3/clusters/{cluster id}` */
  v3: string;
  close(): Promise<void>;
}

/**
 * A gateway for `inject()`: on the Redis at `redisUrl` (with a fresh key prefix unless one is
 * given, so suites sharing a server never meet), or on the in-memory store when `redisUrl` is absent.
 * A Redis named by REDIS_URL by whoever runs the tests may keep nothing on disk (the machine's own
 * Redis does not): the gateway is told that is acceptable.
 */
export async function startGateway(options: { redisUrl?: string; prefix?: string; env?: Record<string, string> } = {}): Promise<TestGateway> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    KEY_PREFIX: options.prefix ?? uniquePrefix('gw'),
    // Groups assign at once; tests of the initial rebalance delay set it in `env`.
    GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...(options.redisUrl && options.redisUrl === process.env.REDIS_URL ? { ALLOW_NON_DURABLE_REDIS: 'true' } : {}),
    ...options.env,
  });
  const app = await buildApp(config);
  await app.ready();
  const clusterId = await app.services.store.clusterId();
  return { app, config, clusterId, v3: `/v3/clusters/${clusterId}`, close: () => app.close() };
}

/** Makes the gateway listen on a free local port; returns its base URL (`http://127.0.0.1:<port>`). */
export async function listen(gateway: TestGateway): Promise<string> {
  await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  const address = gateway.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the gateway listens on no port');
  return `http://127.0.0.1:${address.port}`;
}
