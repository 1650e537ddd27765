/**
 * A local Redis Cluster for the cluster suites: three masters started on free ports with
 * test/support/redis.ts, joined with `redis-cli --cluster create`, and ready only when every node
 * agrees that all 16384 slots are served.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from './redis.js';

export interface RedisCluster {
  nodes: RedisServer[];
  /** `host:port` seeds, as REDIS_CLUSTER_NODES takes them. */
  seeds: string[];
  stop(): Promise<void>;
}

async function clusterReady(node: RedisServer): Promise<boolean> {
  const client = new Redis({ port: node.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.cluster('INFO');
    return info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384') && info.includes('cluster_known_nodes:3');
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes = await Promise.all([1, 2, 3].map(() => startRedis({ args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', '5000'] })));
  const seeds = nodes.map((node) => `127.0.0.1:${node.port}`);
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...seeds, '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + 30_000;
    while (!(await Promise.all(nodes.map(clusterReady))).every(Boolean)) {
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not converge in 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, seeds, stop };
}
