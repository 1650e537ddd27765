import { createRedisConnection, connectRedis } from '../../src/redis/connection.js';
import { RedisInstanceState } from '../../src/groups/redis/redis-instance-state.js';
import { startRedis, uniquePrefix, type RedisServer } from '../support/redis.js';
import { instanceStateContract } from './instance-state.contract.js';

let server: RedisServer | undefined;

instanceStateContract('RedisInstanceState', {
  async create() {
    server = await startRedis();
    const connection = createRedisConnection({ redisUrl: server.url, redisClusterNodes: undefined, redisCommandTimeoutMs: 2000 });
    await connectRedis(connection);
    return new RedisInstanceState(connection, uniquePrefix());
  },
  async teardown() {
    await server?.stop();
  },
});
