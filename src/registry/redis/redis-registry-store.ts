import { GatewayError } from '../../errors.js';
import type { RedisConnection } from '../../redis/connection.js';
import { loadScripts, type Script } from '../../redis/scripts.js';
import { storeError, storeTimeout } from '../errors.js';
import {
  decodeStoredSchema,
  encodeStoredSchema,
  type DeleteOutcome,
  type DeleteWrite,
  type IdUsage,
  type RegisterOutcome,
  type RegisterWrite,
  type Referrer,
  type RegistryStore,
  type SubjectSnapshot,
} from '../registry-store.js';
import type { Mode, RegistryConfig, StoredSchema } from '../types.js';
import { RegistryKeys, scopeField } from './keys.js';

type ScriptReply = Array<string | number>;

/** The registry's Lua scripts (every key under the registry's one hash tag) and their replies. */
interface RegistryScripts extends Record<string, unknown> {
  register: ScriptReply;
  deleteVersions: ScriptReply;
}

interface VersionValue {
  id: number;
  deleted: boolean;
}

/** `${version}:${subject}` → its parts; the version never contains a colon. */
function splitVersionMember(member: string): { version: number; subject: string } {
  const colon = member.indexOf(':');
  return { version: Number(member.slice(0, colon)), subject: member.slice(colon + 1) };
}

/** The registry in Redis: hashes and sets under one hash tag, every multi-key write one Lua script. */
export class RedisRegistryStore implements RegistryStore {
  private readonly keys: RegistryKeys;
  private readonly scripts: { [K in keyof RegistryScripts]: Script<RegistryScripts[K]> };

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly ownsConnection = true,
  ) {
    this.keys = new RegistryKeys(prefix);
    this.scripts = loadScripts<RegistryScripts>(redis, new URL('./scripts/', import.meta.url), {
      register: { file: 'register' },
      deleteVersions: { file: 'delete-versions' },
    });
  }

  /** Runs a Redis call, turning connection trouble into the registry's retriable backend errors. */
  private async run<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (/timed? ?out/i.test(message)) throw storeTimeout(what, error);
      throw storeError(`${what}: ${message}`, error);
    }
  }

  schema(id: number): Promise<StoredSchema | undefined> {
    return this.run('reading a schema', async () => {
      const record = await this.redis.hget(this.keys.schemas, String(id));
      return record === null ? undefined : decodeStoredSchema(record);
    });
  }

  idForFingerprint(fingerprint: string): Promise<number | undefined> {
    return this.run('looking up a schema', async () => {
      const id = await this.redis.hget(this.keys.fingerprints, fingerprint);
      return id === null ? undefined : Number(id);
    });
  }

  liveVersionOf(subject: string, id: number): Promise<number | undefined> {
    return this.run('looking up a schema', async () => {
      const version = await this.redis.hget(this.keys.liveIds(subject), String(id));
      return version === null ? undefined : Number(version);
    });
  }

  snapshot(subject: string): Promise<SubjectSnapshot> {
    return this.run('reading a subject', async () => {
      const replies = await this.redis.multi().hget(this.keys.revisions, subject).hgetall(this.keys.versions(subject)).exec();
      if (!replies) throw storeError('reading a subject: transaction aborted');
      for (const [error] of replies) if (error) throw error;
      const revision = (replies[0][1] as string | null) ?? '';
      const entries = replies[1][1] as Record<string, string>;
      const versions = Object.entries(entries)
        .map(([version, value]) => ({ version: Number(version), ...(JSON.parse(value) as VersionValue) }))
        .sort((a, b) => a.version - b.version);
      return { revision, versions };
    });
  }

  subjects(includeDeleted: boolean): Promise<string[]> {
    return this.run('listing subjects', () => this.redis.smembers(includeDeleted ? this.keys.subjects : this.keys.liveSubjects));
  }

  usages(id: number): Promise<IdUsage[]> {
    return this.run('reading schema usages', async () => {
      const members = await this.redis.zrangebyscore(this.keys.usages, id, id);
      return members.map((member) => splitVersionMember(member.slice(member.indexOf(':') + 1)));
    });
  }

  referrers(subject: string, version: number): Promise<Referrer[]> {
    return this.run('reading references', async () => {
      const entries = await this.redis.hgetall(this.keys.referencedBy(subject, version));
      return Object.entries(entries).map(([member, value]) => ({ ...splitVersionMember(member), ...(JSON.parse(value) as VersionValue) }));
    });
  }

  register(write: RegisterWrite): Promise<RegisterOutcome> {
    const k = this.keys;
    const keys = [
      k.idSequence,
      k.schemas,
      k.fingerprints,
      k.subjects,
      k.liveSubjects,
      k.revisions,
      k.revisionSequence,
      k.versions(write.subject),
      k.liveIds(write.subject),
      k.usages,
    ];
    const args: Array<string | number> = [
      write.subject,
      write.fingerprint,
      encodeStoredSchema(write.schema),
      write.expectedRevision,
      write.id ?? '',
      write.version ?? '',
      write.fingerprints.length,
      ...write.fingerprints,
    ];
    for (const reference of write.references) {
      keys.push(k.versions(reference.subject), k.referencedBy(reference.subject, reference.version));
      args.push(reference.version, reference.id);
    }
    return this.run('registering a schema', async () => {
      const [kind, a, b] = (await this.scripts.register(keys, ...args)).map(String);
      switch (kind) {
        case 'registered':
        case 'exists':
          return { kind, id: Number(a), version: Number(b) };
        case 'retry':
          return { kind };
        case 'missing-reference': {
          const reference = write.references[Number(a) - 1];
          return { kind, subject: reference.subject, version: reference.version };
        }
        case 'id-conflict':
          return { kind, id: Number(a) };
        case 'version-exists':
          return { kind, version: Number(a) };
        default:
          throw new Error(`unexpected reply from register.lua: ${kind}`);
      }
    });
  }

  delete(write: DeleteWrite): Promise<DeleteOutcome> {
    const k = this.keys;
    const keys = [k.subjects, k.liveSubjects, k.revisions, k.revisionSequence, k.versions(write.subject), k.liveIds(write.subject), k.usages, k.config, k.mode];
    const args: Array<string | number> = [
      write.subject,
      write.expectedRevision,
      write.permanent ? '1' : '0',
      write.ignoreReferrersInSubject ? '1' : '0',
      write.targets.length,
    ];
    for (const target of write.targets) {
      keys.push(k.referencedBy(write.subject, target.version));
      args.push(target.version, target.id, target.references.length);
    }
    for (const target of write.targets) {
      for (const reference of target.references) keys.push(k.referencedBy(reference.subject, reference.version));
    }
    return this.run('deleting schema versions', async () => {
      const [kind, a, b] = (await this.scripts.deleteVersions(keys, ...args)).map(String);
      switch (kind) {
        case 'deleted':
        case 'retry':
          return { kind };
        case 'referenced':
          return { kind, version: Number(a), by: splitVersionMember(b) };
        default:
          throw new Error(`unexpected reply from delete-versions.lua: ${kind}`);
      }
    });
  }

  config(subject: string | null): Promise<RegistryConfig | undefined> {
    return this.run('reading a config', async () => {
      const value = await this.redis.hget(this.keys.config, scopeField(subject));
      return value === null ? undefined : (JSON.parse(value) as RegistryConfig);
    });
  }

  setConfig(subject: string | null, config: RegistryConfig | undefined): Promise<void> {
    return this.run('writing a config', async () => {
      if (config === undefined) await this.redis.hdel(this.keys.config, scopeField(subject));
      else await this.redis.hset(this.keys.config, scopeField(subject), JSON.stringify(config));
    });
  }

  mode(subject: string | null): Promise<Mode | undefined> {
    return this.run('reading a mode', async () => {
      const value = await this.redis.hget(this.keys.mode, scopeField(subject));
      return value === null ? undefined : (value as Mode);
    });
  }

  setMode(subject: string | null, mode: Mode | undefined): Promise<void> {
    return this.run('writing a mode', async () => {
      if (mode === undefined) await this.redis.hdel(this.keys.mode, scopeField(subject));
      else await this.redis.hset(this.keys.mode, scopeField(subject), mode);
    });
  }

  async close(): Promise<void> {
    if (!this.ownsConnection) return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
