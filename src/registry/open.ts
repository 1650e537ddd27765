import type { Config } from '../config.js';
import { openRedis, type ConnectionLog } from '../redis/connection.js';
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
  log: ConnectionLog = SILENT,
): Promise<RegistryService> {
  if (!config.redisUrl && !config.redisClusterNodes) return new RegistryService(new MemoryRegistryStore(), options);
  const connection = await openRedis(config, 'streamgate-registry', log);
  return new RegistryService(new RedisRegistryStore(connection, config.keyPrefix), options);
}

const SILENT: ConnectionLog = { warn: () => undefined, info: () => undefined };
