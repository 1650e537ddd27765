import type { DeleteOutcome, DeleteWrite, IdUsage, RegisterOutcome, RegisterWrite, Referrer, RegistryStore, SubjectSnapshot } from './registry-store.js';
import { decodeStoredSchema, encodeStoredSchema } from './registry-store.js';
import type { Mode, RegistryConfig, StoredSchema } from './types.js';

interface SubjectState {
  revision: string;
  versions: Map<number, { id: number; deleted: boolean }>;
  /** schema id → its live version */
  liveIds: Map<number, number>;
}

const versionKey = (subject: string, version: number) => `${version}:${subject}`;
const scopeKey = (subject: string | null) => (subject === null ? 'global' : `subject:${subject}`);

/**
 * The registry in process memory: the same semantics as RedisRegistryStore, nothing durable.
 * Every write runs to completion synchronously, which makes it as atomic as the Lua scripts.
 */
export class MemoryRegistryStore implements RegistryStore {
  private lastId = 0;
  private lastRevision = 0;
  private readonly schemas = new Map<number, string>();
  private readonly fingerprints = new Map<string, number>();
  private readonly subjectStates = new Map<string, SubjectState>();
  private readonly idUsages = new Map<number, Map<string, IdUsage>>();
  /** `${version}:${subject}` of a referenced version → referrer key → referrer */
  private readonly referencedBy = new Map<string, Map<string, Referrer>>();
  private readonly configs = new Map<string, RegistryConfig>();
  private readonly modes = new Map<string, Mode>();

  async schema(id: number): Promise<StoredSchema | undefined> {
    const record = this.schemas.get(id);
    return record === undefined ? undefined : decodeStoredSchema(record);
  }

  async idForFingerprint(fingerprint: string): Promise<number | undefined> {
    return this.fingerprints.get(fingerprint);
  }

  async liveVersionOf(subject: string, id: number): Promise<number | undefined> {
    return this.subjectStates.get(subject)?.liveIds.get(id);
  }

  async snapshot(subject: string): Promise<SubjectSnapshot> {
    const state = this.subjectStates.get(subject);
    if (!state) return { revision: '', versions: [] };
    const versions = [...state.versions].map(([version, entry]) => ({ version, ...entry })).sort((a, b) => a.version - b.version);
    return { revision: state.revision, versions };
  }

  async subjects(includeDeleted: boolean): Promise<string[]> {
    return [...this.subjectStates]
      .filter(([, state]) => includeDeleted || [...state.versions.values()].some((entry) => !entry.deleted))
      .map(([subject]) => subject);
  }

  async usages(id: number): Promise<IdUsage[]> {
    return [...(this.idUsages.get(id)?.values() ?? [])];
  }

  async referrers(subject: string, version: number): Promise<Referrer[]> {
    return [...(this.referencedBy.get(versionKey(subject, version))?.values() ?? [])].map((referrer) => ({ ...referrer }));
  }

  async register(write: RegisterWrite): Promise<RegisterOutcome> {
    const record = encodeStoredSchema(write.schema);
    let id = this.fingerprints.get(write.fingerprint);
    if (write.id !== undefined) {
      const existing = this.schemas.get(write.id);
      if (existing !== undefined && existing !== record) return { kind: 'id-conflict', id: write.id };
      id = write.id;
    }
    const state = this.subjectStates.get(write.subject);
    if (id !== undefined && write.version === undefined) {
      const live = state?.liveIds.get(id);
      if (live !== undefined) return { kind: 'exists', id, version: live };
    }
    if ((state?.revision ?? '') !== write.expectedRevision) return { kind: 'retry' };
    for (const reference of write.references) {
      const entry = this.subjectStates.get(reference.subject)?.versions.get(reference.version);
      if (!entry || entry.id !== reference.id) return { kind: 'missing-reference', subject: reference.subject, version: reference.version };
    }
    const maxVersion = Math.max(0, ...(state?.versions.keys() ?? []));
    const taken = write.version === undefined ? undefined : state?.versions.get(write.version);
    if (taken && write.version !== undefined) {
      // Importing the same schema at the same version again changes nothing.
      return taken.id === id ? { kind: 'exists', id, version: write.version } : { kind: 'version-exists', version: write.version };
    }
    const version = write.version ?? maxVersion + 1;

    if (id === undefined) {
      id = ++this.lastId;
      this.schemas.set(id, record);
      for (const fingerprint of write.fingerprints) if (!this.fingerprints.has(fingerprint)) this.fingerprints.set(fingerprint, id);
    } else if (!this.schemas.has(id)) {
      this.schemas.set(id, record);
      for (const fingerprint of write.fingerprints) if (!this.fingerprints.has(fingerprint)) this.fingerprints.set(fingerprint, id);
      this.lastId = Math.max(this.lastId, id);
    }

    const subjectState = state ?? { revision: '', versions: new Map(), liveIds: new Map() };
    subjectState.versions.set(version, { id, deleted: false });
    subjectState.liveIds.set(id, version);
    subjectState.revision = String(++this.lastRevision);
    this.subjectStates.set(write.subject, subjectState);
    const usages = this.idUsages.get(id) ?? new Map<string, IdUsage>();
    usages.set(versionKey(write.subject, version), { subject: write.subject, version });
    this.idUsages.set(id, usages);
    for (const reference of write.references) {
      const key = versionKey(reference.subject, reference.version);
      const referrers = this.referencedBy.get(key) ?? new Map<string, Referrer>();
      referrers.set(versionKey(write.subject, version), { subject: write.subject, version, id, deleted: false });
      this.referencedBy.set(key, referrers);
    }
    return { kind: 'registered', id, version };
  }

  async delete(write: DeleteWrite): Promise<DeleteOutcome> {
    const state = this.subjectStates.get(write.subject);
    if ((state?.revision ?? '') !== write.expectedRevision || !state) return { kind: 'retry' };
    for (const target of write.targets) {
      for (const referrer of this.referencedBy.get(versionKey(write.subject, target.version))?.values() ?? []) {
        if (write.ignoreReferrersInSubject && referrer.subject === write.subject) continue;
        if (write.permanent || !referrer.deleted) {
          return { kind: 'referenced', version: target.version, by: { subject: referrer.subject, version: referrer.version } };
        }
      }
    }
    for (const target of write.targets) {
      const self = versionKey(write.subject, target.version);
      if (state.liveIds.get(target.id) === target.version) state.liveIds.delete(target.id);
      if (write.permanent) {
        state.versions.delete(target.version);
        const usages = this.idUsages.get(target.id);
        usages?.delete(self);
        if (usages?.size === 0) this.idUsages.delete(target.id);
      } else {
        state.versions.set(target.version, { id: target.id, deleted: true });
      }
      for (const reference of target.references) {
        const key = versionKey(reference.subject, reference.version);
        const referrers = this.referencedBy.get(key);
        if (!referrers) continue;
        if (write.permanent) referrers.delete(self);
        else {
          const referrer = referrers.get(self);
          if (referrer) referrer.deleted = true;
        }
        if (referrers.size === 0) this.referencedBy.delete(key);
      }
    }
    if (state.versions.size === 0) {
      this.subjectStates.delete(write.subject);
      this.configs.delete(scopeKey(write.subject));
      this.modes.delete(scopeKey(write.subject));
    } else {
      state.revision = String(++this.lastRevision);
    }
    return { kind: 'deleted' };
  }

  async config(subject: string | null): Promise<RegistryConfig | undefined> {
    const config = this.configs.get(scopeKey(subject));
    return config && { ...config };
  }

  async setConfig(subject: string | null, config: RegistryConfig | undefined): Promise<void> {
    if (config === undefined) this.configs.delete(scopeKey(subject));
    else this.configs.set(scopeKey(subject), { ...config });
  }

  async mode(subject: string | null): Promise<Mode | undefined> {
    return this.modes.get(scopeKey(subject));
  }

  async setMode(subject: string | null, mode: Mode | undefined): Promise<void> {
    if (mode === undefined) this.modes.delete(scopeKey(subject));
    else this.modes.set(scopeKey(subject), mode);
  }

  async close(): Promise<void> {}
}
