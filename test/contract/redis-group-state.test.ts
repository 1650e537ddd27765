import { createRedisConnection, connectRedis } from '../../src/redis/connection.js';
import { RedisGroupState } from '../../src/groups/redis/redis-group-state.js';
import { startRedis, uniquePrefix, type RedisServer } from '../support/redis.js';
import { groupStateContract } from './group-state.contract.js';

let server: RedisServer | undefined;

groupStateContract('RedisGroupState', {
  async create() {
    server = await startRedis();
    const connection = createRedisConnection({ redisUrl: server.url, redisClusterNodes: undefined, redisCommandTimeoutMs: 2000 });
    await connectRedis(connection);
    return new RedisGroupState(connection, uniquePrefix());
  },
  async teardown() {
    await server?.stop();
  },
});
