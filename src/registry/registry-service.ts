import { avroCanRead } from './compatibility/avro.js';
import { jsonSchemaCanRead } from './compatibility/json-schema.js';
import { protobufCanRead } from './compatibility/protobuf.js';
import { checkCompatibility, type CompatibilityLevel, type ReaderWriterCheck, type ResolvedSchema } from './compatibility/types.js';
import {
  concurrentModification,
  incompatibleSchema,
  invalidSchema,
  operationNotPermitted,
  referenceExists,
  schemaNotFound,
  subjectNotFound,
  subjectNotSoftDeleted,
  subjectSoftDeleted,
  versionNotFound,
  versionNotSoftDeleted,
  versionSoftDeleted,
} from './errors.js';
import { LruCache } from './lru-cache.js';
import { resolveReferences } from './references.js';
import type { DeleteTarget, RegistryStore, SubjectSnapshot } from './registry-store.js';
import { RegistrySettings } from './registry-settings.js';
import { assertValidSubject, parseVersion, prepareSchema, type Candidate } from './schema-request.js';
import { SchemaSerde } from './serde/schema-serde.js';
import type { SchemaRequest, SchemaType, StoredSchema, SubjectVersion, VersionEntry, VersionSelector } from './types.js';

export interface RegistryServiceOptions {
  /** Largest schema text accepted, in UTF-8 bytes. */
  maxSchemaBytes?: number;
}

export const DEFAULT_MAX_SCHEMA_BYTES = 1024 * 1024;
/** How often a write is retried when another gateway changed the subject between our check and our write. */
const MAX_ATTEMPTS = 16;
/** A schema id is served from memory this long after it was last seen in use (ids are immutable; only deletion can retire one). */
const LIVE_ID_TTL_MS = 1000;

const CHECKERS: Record<SchemaType, ReaderWriterCheck> = { AVRO: avroCanRead, PROTOBUF: protobufCanRead, JSON: jsonSchemaCanRead };

/** Dispatches to the format's checker; a schema of another type can never be read. */
const canRead: ReaderWriterCheck = (reader, writer) => {
  if (reader.schemaType !== writer.schemaType) return [`Incompatible schema type: ${writer.schemaType} and ${reader.schemaType} cannot read each other`];
  try {
    return CHECKERS[reader.schemaType](reader, writer);
  } catch (error) {
    return [`Compatibility could not be checked: ${error instanceof Error ? error.message : String(error)}`];
  }
};

export interface RegisterResult {
  id: number;
  version: number;
  schema: StoredSchema;
}

export interface CompatibilityResult {
  isCompatible: boolean;
  messages: string[];
}

/**
 * The Confluent-compatible schema registry: subjects and versions, global schema ids, references,
 * soft and permanent deletes, compatibility, configs and modes. Knows nothing of HTTP.
 */
export class RegistryService {
  readonly settings: RegistrySettings;
  /** Encodes and decodes the Confluent wire format with the schemas of this registry. */
  readonly serde: SchemaSerde;
  private readonly maxSchemaBytes: number;
  private readonly schemas = new LruCache<number, StoredSchema>(10_000);
  private readonly resolved = new LruCache<number, ResolvedSchema>(10_000);
  private readonly liveUntil = new LruCache<number, number>(10_000);

  constructor(
    private readonly store: RegistryStore,
    options: RegistryServiceOptions = {},
  ) {
    this.settings = new RegistrySettings(store);
    this.maxSchemaBytes = options.maxSchemaBytes ?? DEFAULT_MAX_SCHEMA_BYTES;
    this.serde = new SchemaSerde(this);
  }

  schemaTypes(): SchemaType[] {
    return ['JSON', 'PROTOBUF', 'AVRO'];
  }

  // ---- reading schemas ----

  private async storedSchema(id: number): Promise<StoredSchema | undefined> {
    const cached = this.schemas.get(id);
    if (cached) return cached;
    const stored = await this.store.schema(id);
    if (stored) this.schemas.set(id, stored);
    return stored;
  }

  /** The schema with this id, while some subject version (live or soft-deleted) still holds it. */
  async schemaById(id: number): Promise<StoredSchema> {
    const stored = await this.storedSchema(id);
    if (!stored) throw schemaNotFound(id);
    if ((this.liveUntil.get(id) ?? 0) < Date.now()) {
      if ((await this.store.usages(id)).length === 0) throw schemaNotFound(id);
      this.liveUntil.set(id, Date.now() + LIVE_ID_TTL_MS);
    }
    return stored;
  }

  /** The schema with this id and every schema it references: what parsers and serializers need. */
  async resolvedSchema(id: number): Promise<ResolvedSchema> {
    const cached = this.resolved.get(id);
    if (cached) return cached;
    const stored = await this.schemaById(id);
    const { dependencies } = await resolveReferences(stored.references, this.referenceSource());
    const resolved = { schemaType: stored.schemaType, schema: stored.schema, references: dependencies };
    this.resolved.set(id, resolved);
    return resolved;
  }

  /** The (subject, version) pairs holding a schema id. */
  async versionsOfId(id: number, options: { deleted?: boolean; subject?: string } = {}): Promise<Array<{ subject: string; version: number }>> {
    if (!(await this.storedSchema(id))) throw schemaNotFound(id);
    const usages = await this.store.usages(id);
    if (usages.length === 0) throw schemaNotFound(id);
    const subjects = [...new Set(usages.map((usage) => usage.subject))].filter((subject) => options.subject === undefined || subject === options.subject);
    const snapshots = new Map(await Promise.all(subjects.map(async (subject) => [subject, await this.store.snapshot(subject)] as const)));
    return usages
      .filter((usage) => snapshots.get(usage.subject)?.versions.some((entry) => entry.version === usage.version && (options.deleted || !entry.deleted)))
      .sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
  }

  async subjectsOfId(id: number, options: { deleted?: boolean; subject?: string } = {}): Promise<string[]> {
    return [...new Set((await this.versionsOfId(id, options)).map((usage) => usage.subject))];
  }

  async listSubjects(options: { deleted?: boolean; deletedOnly?: boolean; prefix?: string } = {}): Promise<string[]> {
    let subjects: string[];
    if (options.deletedOnly) {
      const live = new Set(await this.store.subjects(false));
      subjects = (await this.store.subjects(true)).filter((subject) => !live.has(subject));
    } else subjects = await this.store.subjects(Boolean(options.deleted));
    return subjects.filter((subject) => !options.prefix || subject.startsWith(options.prefix)).sort();
  }

  async listVersions(subject: string, options: { deleted?: boolean; deletedOnly?: boolean } = {}): Promise<number[]> {
    const { versions } = await this.store.snapshot(subject);
    const visible = versions.filter((entry) => (options.deletedOnly ? entry.deleted : options.deleted || !entry.deleted));
    if (!versions.some((entry) => options.deleted || options.deletedOnly || !entry.deleted)) throw subjectNotFound(subject);
    return visible.map((entry) => entry.version);
  }

  /** A version of a subject; `latest` is the newest live one (the newest of all with `deleted`). */
  async getVersion(subject: string, selector: VersionSelector, options: { deleted?: boolean } = {}): Promise<SubjectVersion> {
    const snapshot = await this.store.snapshot(subject);
    const entry = this.findVersion(subject, snapshot, selector, Boolean(options.deleted));
    const stored = await this.storedSchema(entry.id);
    if (!stored) throw schemaNotFound(entry.id);
    return { subject, version: entry.version, id: entry.id, deleted: entry.deleted, ...stored };
  }

  private findVersion(subject: string, snapshot: SubjectSnapshot, selector: VersionSelector, includeDeleted: boolean): VersionEntry {
    const visible = snapshot.versions.filter((entry) => includeDeleted || !entry.deleted);
    const entry = selector === 'latest' ? visible.at(-1) : visible.find((candidate) => candidate.version === selector);
    if (entry) return entry;
    if (visible.length === 0) throw subjectNotFound(subject);
    throw versionNotFound(selector === 'latest' ? 'latest' : selector);
  }

  /** Ids of the schemas that reference a version (live ones, or soft-deleted too with `deleted`). */
  async referencedBy(subject: string, selector: VersionSelector, options: { deleted?: boolean } = {}): Promise<number[]> {
    const { version } = await this.getVersion(subject, selector, { deleted: true });
    const referrers = await this.store.referrers(subject, version);
    return [...new Set(referrers.filter((referrer) => options.deleted || !referrer.deleted).map((referrer) => referrer.id))].sort((a, b) => a - b);
  }

  private referenceSource() {
    return {
      versionEntry: async (subject: string, version: VersionSelector) => {
        const { versions } = await this.store.snapshot(subject);
        return version === 'latest' ? versions.filter((entry) => !entry.deleted).at(-1) : versions.find((entry) => entry.version === version);
      },
      schema: (id: number) => this.storedSchema(id),
    };
  }

  // ---- registering and looking up ----

  private async compatibilityReasons(level: CompatibilityLevel, candidate: ResolvedSchema, previousIds: number[]): Promise<string[]> {
    if (level === 'NONE' || previousIds.length === 0) return [];
    const previous = await Promise.all(previousIds.map((id) => this.resolvedSchema(id)));
    return checkCompatibility(level, candidate, previous, canRead);
  }

  /**
   * Registers a schema under a subject: the same schema again answers its existing version, a
   * schema known under another subject keeps its id, a new one must be compatible with the live
   * versions. Id and version are allocated atomically in the store; if another gateway changed
   * the subject meanwhile, the check runs again.
   */
  async register(subject: string, request: SchemaRequest, options: { normalize?: boolean } = {}): Promise<RegisterResult> {
    assertValidSubject(subject);
    const mode = await this.settings.modeInScope(subject);
    if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') throw operationNotPermitted(`Subject ${subject} is in read-only mode`);
    const importing = mode === 'IMPORT';
    if (request.id !== undefined && request.id !== null && !importing) throw operationNotPermitted(`Subject ${subject} is not in import mode`);
    if (importing && (request.id === undefined || request.id === null)) throw operationNotPermitted(`Subject ${subject} is not in read-write mode`);
    if (request.id !== undefined && (!Number.isInteger(request.id) || request.id < 1)) throw invalidSchema(`id must be a positive integer, got ${request.id}`);
    const explicitVersion = request.version === undefined || request.version === null ? 'latest' : parseVersion(request.version);

    const config = await this.settings.configInScope(subject);
    const candidate = await prepareSchema(request, this.referenceSource(), this.maxSchemaBytes);
    const lookup = options.normalize || config.normalize ? candidate.normalizedFingerprint : candidate.canonicalFingerprint;
    const answer = (id: number, version: number) => ({ id, version, schema: candidate.stored });

    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // An explicit (imported) id goes straight to the store, which first checks it is not another schema's.
      const known = importing ? undefined : await this.store.idForFingerprint(lookup);
      if (known !== undefined && explicitVersion === 'latest') {
        const version = await this.store.liveVersionOf(subject, known);
        if (version !== undefined) return answer(known, version);
      }
      const snapshot = await this.store.snapshot(subject);
      if (!importing) {
        const next = Math.max(0, ...snapshot.versions.map((entry) => entry.version)) + 1;
        if (explicitVersion !== 'latest' && explicitVersion !== next)
          throw invalidSchema(`Version ${explicitVersion} is not one more than the previous version (${next - 1})`);
        const live = snapshot.versions.filter((entry) => !entry.deleted).map((entry) => entry.id);
        const reasons = await this.compatibilityReasons(config.compatibilityLevel, candidate.resolved, live);
        if (reasons.length > 0) throw incompatibleSchema(reasons);
      }
      const outcome = await this.store.register({
        subject,
        schema: candidate.stored,
        fingerprint: lookup,
        fingerprints: [candidate.canonicalFingerprint, candidate.normalizedFingerprint],
        expectedRevision: snapshot.revision,
        references: candidate.direct,
        id: importing ? request.id : undefined,
        version: importing && explicitVersion !== 'latest' ? explicitVersion : undefined,
      });
      switch (outcome.kind) {
        case 'registered':
        case 'exists':
          return answer(outcome.id, outcome.version);
        case 'retry':
          continue;
        case 'missing-reference':
          throw invalidSchema(`reference to subject '${outcome.subject}' version ${outcome.version} no longer exists`);
        case 'id-conflict':
          throw operationNotPermitted(`Overwrite new schema with id ${outcome.id} is not permitted.`);
        case 'version-exists':
          throw operationNotPermitted(`Version ${outcome.version} of subject ${subject} already exists.`);
      }
    }
    throw concurrentModification(subject);
  }

  /** `POST /subjects/{subject}`: the version of the subject holding this schema. */
  async lookup(subject: string, request: SchemaRequest, options: { normalize?: boolean; deleted?: boolean } = {}): Promise<SubjectVersion> {
    const config = await this.settings.configInScope(subject);
    const candidate = await prepareSchema(request, this.referenceSource(), this.maxSchemaBytes);
    const id = await this.store.idForFingerprint(options.normalize || config.normalize ? candidate.normalizedFingerprint : candidate.canonicalFingerprint);
    const snapshot = await this.store.snapshot(subject);
    const visible = snapshot.versions.filter((entry) => options.deleted || !entry.deleted);
    const match = id === undefined ? undefined : visible.filter((entry) => entry.id === id).at(-1);
    if (!match) throw visible.length === 0 ? subjectNotFound(subject) : schemaNotFound();
    const stored = (await this.storedSchema(match.id)) ?? candidate.stored;
    return { subject, version: match.version, id: match.id, deleted: match.deleted, ...stored };
  }

  /**
   * Tests a schema against one version of a subject (or, with `all`, the versions its level
   * names) under the subject's level. With `verbose`, a malformed schema is a reason, not a 42201.
   */
  async testCompatibility(
    subject: string,
    selector: VersionSelector | 'all',
    request: SchemaRequest,
    options: { verbose?: boolean } = {},
  ): Promise<CompatibilityResult> {
    const snapshot = await this.store.snapshot(subject);
    const live = snapshot.versions.filter((entry) => !entry.deleted);
    let previousIds: number[];
    if (selector === 'all') previousIds = live.map((entry) => entry.id);
    else if (selector === 'latest') previousIds = live.slice(-1).map((entry) => entry.id);
    else {
      if (live.length === 0) throw subjectNotFound(subject);
      const entry = live.find((candidate) => candidate.version === selector);
      if (!entry) throw versionNotFound(selector);
      previousIds = [entry.id];
    }
    let candidate: Candidate;
    try {
      candidate = await prepareSchema(request, this.referenceSource(), this.maxSchemaBytes);
    } catch (error) {
      if (options.verbose && error instanceof Error) return { isCompatible: false, messages: [error.message] };
      throw error;
    }
    const { compatibilityLevel } = await this.settings.configInScope(subject);
    const messages = await this.compatibilityReasons(compatibilityLevel, candidate.resolved, previousIds);
    return { isCompatible: messages.length === 0, messages };
  }

  // ---- deleting ----

  private async assertWritable(subject: string): Promise<void> {
    const mode = await this.settings.modeInScope(subject);
    if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') throw operationNotPermitted(`Subject ${subject} is in read-only mode`);
  }

  private async deleteTargets(
    subject: string,
    permanent: boolean,
    pick: (snapshot: SubjectSnapshot) => VersionEntry[],
    ignoreReferrersInSubject: boolean,
  ): Promise<number[]> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const snapshot = await this.store.snapshot(subject);
      const entries = pick(snapshot);
      const targets: DeleteTarget[] = await Promise.all(
        entries.map(async (entry) => ({ version: entry.version, id: entry.id, references: (await this.storedSchema(entry.id))?.references ?? [] })),
      );
      const outcome = await this.store.delete({ subject, targets, permanent, expectedRevision: snapshot.revision, ignoreReferrersInSubject });
      if (outcome.kind === 'retry') continue;
      if (outcome.kind === 'referenced') throw referenceExists(subject, outcome.version, `subject '${outcome.by.subject}' version ${outcome.by.version}`);
      this.liveUntil.clear();
      return entries.map((entry) => entry.version);
    }
    throw concurrentModification(subject);
  }

  /** Soft-deletes a live version, or permanently deletes a soft-deleted one; answers its number. */
  async deleteVersion(subject: string, selector: VersionSelector, options: { permanent?: boolean } = {}): Promise<number> {
    assertValidSubject(subject);
    await this.assertWritable(subject);
    const permanent = Boolean(options.permanent);
    const [version] = await this.deleteTargets(
      subject,
      permanent,
      (snapshot) => {
        const entry =
          selector === 'latest'
            ? snapshot.versions.filter((candidate) => permanent || !candidate.deleted).at(-1)
            : snapshot.versions.find((candidate) => candidate.version === selector);
        if (!entry) throw snapshot.versions.length === 0 ? subjectNotFound(subject) : versionNotFound(selector);
        if (!permanent && entry.deleted) throw versionSoftDeleted(subject, entry.version);
        if (permanent && !entry.deleted) throw versionNotSoftDeleted(subject, entry.version);
        return [entry];
      },
      false,
    );
    return version;
  }

  /** Soft-deletes every live version of a subject, or permanently deletes a soft-deleted subject; answers the versions. */
  async deleteSubject(subject: string, options: { permanent?: boolean } = {}): Promise<number[]> {
    assertValidSubject(subject);
    await this.assertWritable(subject);
    const permanent = Boolean(options.permanent);
    return this.deleteTargets(
      subject,
      permanent,
      (snapshot) => {
        if (snapshot.versions.length === 0) throw subjectNotFound(subject);
        const live = snapshot.versions.filter((entry) => !entry.deleted);
        if (!permanent && live.length === 0) throw subjectSoftDeleted(subject);
        if (permanent && live.length > 0) throw subjectNotSoftDeleted(subject);
        return permanent ? snapshot.versions : live;
      },
      true,
    );
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
