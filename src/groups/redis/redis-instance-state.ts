import { ErrorCode, GatewayError, backendUnavailable } from '../../errors.js';
import { ChannelListeners, type RedisConnection } from '../../redis/connection.js';
import { loadScripts, type Script, type ScriptSpec } from '../../redis/scripts.js';
import type {
  InstanceDoc,
  InstanceKey,
  InstanceStateStore,
  LeaseCondition,
  LeaseRenewal,
  Removal,
  StoredInstance,
  UpdateResult,
} from '../instances/instance-state.js';
import { InstanceKeys } from './keys.js';

const SCRIPTS = ['instance-create', 'instance-load', 'instance-update', 'instance-renew', 'instance-remove'] as const;
type ScriptName = (typeof SCRIPTS)[number];

function instanceError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'ReplyError')
    return new GatewayError(ErrorCode.BACKEND_ERROR, `Redis refused a consumer instance command: ${message}`, { cause: error });
  return backendUnavailable(message, error);
}

const member = (key: InstanceKey) => JSON.stringify([key.group, key.id]);

/** v2 consumer instance state in Redis: one Lua script per change, every key of an instance in one slot. */
export class RedisInstanceState implements InstanceStateStore {
  private readonly keys: InstanceKeys;
  private readonly scripts: Record<ScriptName, Script<unknown>>;
  /** Instance changes announced by every gateway, one subscribed connection for this gateway's listeners. */
  private readonly changes: ChannelListeners<InstanceKey>;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.keys = new InstanceKeys(prefix);
    this.changes = new ChannelListeners(redis, this.keys.events(), (message) => {
      const [group, id] = JSON.parse(message) as [string, string];
      return [{ group, id }];
    });
    // Every instance script takes the instance's two keys (one slot).
    this.scripts = loadScripts<Record<ScriptName, unknown>>(
      redis,
      new URL('./scripts/', import.meta.url),
      Object.fromEntries(SCRIPTS.map((name) => [name, { file: name, keys: 2 }])) as Record<ScriptName, ScriptSpec>,
    );
  }

  private async run<T>(name: ScriptName, key: InstanceKey, ...args: Array<string | number>): Promise<T> {
    try {
      return (await this.scripts[name](this.keys.instanceKeys(key.group, key.id), ...args)) as T;
    } catch (error) {
      throw instanceError(error);
    }
  }

  private async command<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw instanceError(error);
    }
  }

  async create(key: InstanceKey, doc: InstanceDoc): Promise<boolean> {
    // Indexed first: an instance the index misses would never be reaped; an index entry without
    // an instance is dropped by the reaper.
    await this.command(() => this.redis.zadd(this.keys.index(), 'NX', Date.now(), member(key)));
    return (await this.run<number>('instance-create', key, doc.epoch, JSON.stringify(doc))) !== 0;
  }

  async load(key: InstanceKey, touch: boolean): Promise<StoredInstance | undefined> {
    const raw = await this.run<[string, string, string, string] | null>('instance-load', key, touch ? '1' : '0');
    if (!raw) return undefined;
    return { version: Number(raw[0]), doc: JSON.parse(raw[1]) as InstanceDoc, lastUsed: Number(raw[2]), lease: raw[3] === '' ? undefined : raw[3] };
  }

  async update(key: InstanceKey, expectedVersion: number, doc: InstanceDoc, lease: LeaseCondition): Promise<UpdateResult> {
    const token = 'token' in lease ? lease.token : '';
    const ttl = 'ttlMs' in lease ? lease.ttlMs : 0;
    return this.run<UpdateResult>('instance-update', key, expectedVersion, doc.epoch, JSON.stringify(doc), lease.kind, token, ttl);
  }

  async renewLease(key: InstanceKey, epoch: number, token: string, ttlMs: number): Promise<LeaseRenewal> {
    return this.run<LeaseRenewal>('instance-renew', key, epoch, token, ttlMs);
  }

  async remove(key: InstanceKey, idleMs?: number): Promise<Removal> {
    const [result, lastUsed] = await this.run<[Removal, string?]>('instance-remove', key, idleMs === undefined ? '' : idleMs);
    if (result === 'in-use') {
      // Looked at again once it may have been idle that long since its last use.
      await this.command(() => this.redis.zadd(this.keys.index(), 'XX', Number(lastUsed), member(key)));
    } else {
      await this.command(() => this.redis.zrem(this.keys.index(), member(key)));
    }
    return result;
  }

  async idle(idleMs: number, limit: number): Promise<InstanceKey[]> {
    const raw = await this.command(() => this.redis.zrangebyscore(this.keys.index(), '-inf', Date.now() - idleMs, 'LIMIT', 0, limit));
    return raw.map((entry) => {
      const [group, id] = JSON.parse(entry) as [string, string];
      return { group, id };
    });
  }

  async announce(key: InstanceKey): Promise<void> {
    await this.command(() => this.redis.publish(this.keys.events(), member(key)));
  }

  async onChange(listener: (key: InstanceKey) => void): Promise<() => void> {
    return this.command(() => this.changes.listen(listener));
  }

  async close(): Promise<void> {
    this.changes.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
