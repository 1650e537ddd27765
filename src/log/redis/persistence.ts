import { Cluster, type Redis } from 'ioredis';
import { durabilityOf, hasAppendOnlyFile, weaker, type Durability } from '../durability.js';
import type { RedisConnection } from '../../redis/connection.js';

/** Every primary: each one holds a share of the partitions under Redis Cluster. */
export const primaries = (redis: RedisConnection): Redis[] => (redis instanceof Cluster ? redis.nodes('master') : [redis]);

const address = (node: Redis): string => `${node.options.host}:${node.options.port}`;

/** A `CONFIG GET` reply as a map; empty when CONFIG is renamed away or forbidden (an error reply). */
async function configGet(node: Redis, ...names: string[]): Promise<Map<string, string>> {
  try {
    const reply = (await node.config('GET', ...names)) as string[];
    const settings = new Map<string, string>();
    for (let i = 0; i + 1 < reply.length; i += 2) settings.set(reply[i], reply[i + 1]);
    return settings;
  } catch (error) {
    if (error instanceof Error && error.name === 'ReplyError') return new Map();
    throw error;
  }
}

/** One node's persistence; what it will not say is `unknown`. */
async function nodeDurability(node: Redis): Promise<Durability & { node: string }> {
  const settings = await configGet(node, 'appendonly', 'appendfsync', 'save');
  const read = (name: string) => settings.get(name) ?? null;
  return { ...durabilityOf(read('appendonly'), read('appendfsync'), read('save')), node: address(node) };
}

/** The persistence of the weakest primary, with the address of that primary. */
export async function readDurability(redis: RedisConnection): Promise<Durability & { node: string }> {
  const nodes = await Promise.all(primaries(redis).map(nodeDurability));
  return nodes.reduce((a, b) => (weaker(a, b) === b ? b : a));
}

/**
 * Refuses a Redis that would lose acknowledged records on a restart (no append-only file), or
 * whose persistence cannot be read, unless the operator said that is acceptable.
 */
export function assertAppendOnly(durability: Durability & { node: string }, allowNonDurable: boolean): void {
  if (hasAppendOnlyFile(durability) || allowNonDurable) return;
  const what =
    durability.mode === 'unknown'
      ? 'does not let the gateway read its persistence settings (CONFIG GET appendonly appendfsync save failed), so nothing says acknowledged records survive a Redis restart'
      : `runs without an append-only file (appendonly ${durability.appendonly}, save '${durability.save}'): a Redis restart loses ` +
        (durability.mode === 'rdb-snapshots'
          ? 'the acknowledged records since its last snapshot and reuses their offsets'
          : 'every acknowledged record and restarts offsets at 0');
  throw new Error(
    `Redis at ${durability.node} ${what}. ` +
      (durability.mode === 'unknown' ? 'Allow CONFIG GET for the gateway, ' : 'Run: CONFIG SET appendonly yes (and CONFIG REWRITE to keep it), ') +
      'or set ALLOW_NON_DURABLE_REDIS=true to accept losing data.',
  );
}

/**
 * Checks that Redis will not evict keys: an evicted stream would restart its offsets at 0, so
 * anything but `maxmemory-policy noeviction` is refused. Where CONFIG is not available (managed
 * services rename it) the policy is read from `INFO memory`.
 */
export async function assertNoEviction(redis: RedisConnection): Promise<void> {
  for (const node of primaries(redis)) {
    const policy = (await configGet(node, 'maxmemory-policy')).get('maxmemory-policy') ?? /^maxmemory_policy:(\S+)/m.exec(await node.info('memory'))?.[1];
    if (policy !== 'noeviction') {
      throw new Error(
        `Redis at ${address(node)} has maxmemory-policy '${policy}'; Streamgate requires 'noeviction' ` +
          `(an evicted partition stream would restart its offsets at 0). Run: CONFIG SET maxmemory-policy noeviction`,
      );
    }
  }
}
