import { loadConfig } from '../../src/config.js';
import { RedisStreamsStore } from '../../src/log/redis/redis-streams-store.js';
import { startRedis, uniquePrefix, type RedisServer } from '../support/redis.js';
import { logStoreContract } from './log-store.contract.js';

let server: RedisServer | undefined;

logStoreContract('RedisStreamsStore', {
  async create() {
    server = await startRedis();
    return RedisStreamsStore.open(loadConfig({ REDIS_URL: server.url, KEY_PREFIX: uniquePrefix() }));
  },
  async teardown() {
    await server?.stop();
  },
});
