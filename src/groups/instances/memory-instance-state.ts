import {
  instanceName,
  type InstanceDoc,
  type InstanceKey,
  type InstanceStateStore,
  type LeaseCondition,
  type LeaseRenewal,
  type Removal,
  type StoredInstance,
  type UpdateResult,
} from './instance-state.js';

interface Entry {
  key: InstanceKey;
  /** Kept as JSON, as Redis keeps it: a caller never shares an object with the store. */
  doc: string;
  version: number;
  lastUsed: number;
  lease: { token: string; expiresAt: number } | undefined;
}

/** v2 consumer instance state for the in-memory store: the same rules as the Redis scripts, in one process. */
export class MemoryInstanceState implements InstanceStateStore {
  private readonly instances = new Map<string, Entry>();
  private readonly listeners = new Set<(key: InstanceKey) => void>();

  async create(key: InstanceKey, doc: InstanceDoc): Promise<boolean> {
    if (this.instances.has(instanceName(key))) return false;
    this.instances.set(instanceName(key), { key, doc: JSON.stringify(doc), version: 1, lastUsed: Date.now(), lease: undefined });
    return true;
  }

  async load(key: InstanceKey, touch: boolean): Promise<StoredInstance | undefined> {
    const entry = this.instances.get(instanceName(key));
    if (!entry) return undefined;
    if (touch) entry.lastUsed = Date.now();
    return { doc: JSON.parse(entry.doc) as InstanceDoc, version: entry.version, lease: this.lease(entry), lastUsed: entry.lastUsed };
  }

  async update(key: InstanceKey, expectedVersion: number, doc: InstanceDoc, condition: LeaseCondition): Promise<UpdateResult> {
    const entry = this.instances.get(instanceName(key));
    if (!entry) return 'gone';
    if (entry.version !== expectedVersion) return 'conflict';
    const lease = this.lease(entry);
    if (condition.kind === 'live' && lease === undefined) return 'lease';
    if ((condition.kind === 'own' || condition.kind === 'drop-own') && lease !== condition.token) return 'lease';
    if (condition.kind === 'take-free' && lease !== undefined) return 'lease';
    if (condition.kind === 'take' || condition.kind === 'take-free') entry.lease = { token: condition.token, expiresAt: Date.now() + condition.ttlMs };
    if (condition.kind === 'drop' || condition.kind === 'drop-own') entry.lease = undefined;
    entry.doc = JSON.stringify(doc);
    entry.version += 1;
    return 'ok';
  }

  async renewLease(key: InstanceKey, epoch: number, token: string, ttlMs: number): Promise<LeaseRenewal> {
    const entry = this.instances.get(instanceName(key));
    if (!entry) return 'ended';
    const lease = this.lease(entry);
    const sameEpoch = (JSON.parse(entry.doc) as InstanceDoc).epoch === epoch;
    if (lease === token) {
      if (!sameEpoch) return 'lost';
    } else if (lease !== undefined) {
      return 'lost';
    } else if (!sameEpoch) {
      return 'ended';
    }
    entry.lease = { token, expiresAt: Date.now() + ttlMs };
    return 'held';
  }

  async remove(key: InstanceKey, idleMs?: number): Promise<Removal> {
    const entry = this.instances.get(instanceName(key));
    if (!entry) return 'gone';
    if (idleMs !== undefined && entry.lastUsed + idleMs > Date.now()) return 'in-use';
    this.instances.delete(instanceName(key));
    return 'removed';
  }

  async idle(idleMs: number, limit: number): Promise<InstanceKey[]> {
    const before = Date.now() - idleMs;
    return [...this.instances.values()]
      .filter((entry) => entry.lastUsed <= before)
      .slice(0, limit)
      .map((entry) => entry.key);
  }

  async announce(key: InstanceKey): Promise<void> {
    for (const listener of this.listeners) queueMicrotask(() => listener(key));
  }

  async onChange(listener: (key: InstanceKey) => void): Promise<() => void> {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {}

  private lease(entry: Entry): string | undefined {
    return entry.lease && entry.lease.expiresAt > Date.now() ? entry.lease.token : undefined;
  }
}
