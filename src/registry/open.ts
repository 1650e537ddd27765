import type { Config } from '../config.js';
import { connectRedis, createRedisConnection } from '../log/redis/connection.js';
import { MemoryRegistryStore } from './memory-registry-store.js';
import { RedisRegistryStore } from './redis/redis-registry-store.js';
import { RegistryService, type RegistryServiceOptions } from './registry-service.js';

/**
 * The registry a gateway runs with: in Redis (its own connection, the gateway's key prefix)
 * when the config names a Redis, otherwise in memory.
 */
export async function openRegistry(
  config: Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'redisCommandTimeoutMs' | 'keyPrefix'>,
  options: RegistryServiceOptions = {},
): Promise<RegistryService> {
  if (!config.redisUrl && !config.redisClusterNodes) return new RegistryService(new MemoryRegistryStore(), options);
  const connection = createRedisConnection(config, 'streamgate-registry');
  await connectRedis(connection);
  return new RegistryService(new RedisRegistryStore(connection, config.keyPrefix), options);
}
