/**
 * Storage of the schema registry: schemas by id, subjects and their versions, the fingerprint
 * index, references, configs and modes. It knows nothing of compatibility or parsing; each write
 * is one atomic step guarded by the subject's revision, so gateways sharing a store agree.
 * Two implementations: RedisRegistryStore (the product) and MemoryRegistryStore.
 */
import type { Mode, RegistryConfig, SchemaReference, StoredSchema, VersionEntry } from './types.js';

/** The versions of one subject (oldest first) and the revision they were read at. */
export interface SubjectSnapshot {
  /** Changes on every write to the subject; '' for a subject with no versions. */
  revision: string;
  versions: VersionEntry[];
}

/** A referenced version whose id the writer resolved; the write fails if it changed meanwhile. */
export interface ResolvedReference {
  subject: string;
  version: number;
  id: number;
}

export interface RegisterWrite {
  subject: string;
  schema: StoredSchema;
  /** The fingerprint that finds an existing id for this schema (canonical or normalized). */
  fingerprint: string;
  /** Every fingerprint to index when the schema gets a new id. */
  fingerprints: string[];
  /** The subject's revision the caller checked compatibility at. */
  expectedRevision: string;
  /** The references of `schema`, resolved to ids. */
  references: ResolvedReference[];
  /** IMPORT mode: the id the schema must have. */
  id?: number;
  /** IMPORT mode: the version it must have. */
  version?: number;
}

export type RegisterOutcome =
  | { kind: 'registered'; id: number; version: number }
  /** The schema is already a live version of the subject: nothing written. */
  | { kind: 'exists'; id: number; version: number }
  /** The subject changed since `expectedRevision`: check again and retry. */
  | { kind: 'retry' }
  | { kind: 'missing-reference'; subject: string; version: number }
  /** IMPORT: the id already belongs to a different schema. */
  | { kind: 'id-conflict'; id: number }
  /** IMPORT: the version number is already taken in the subject. */
  | { kind: 'version-exists'; version: number };

export interface DeleteTarget {
  version: number;
  id: number;
  /** The references of the version's schema, whose referenced-by entries change with it. */
  references: SchemaReference[];
}

export interface DeleteWrite {
  subject: string;
  targets: DeleteTarget[];
  permanent: boolean;
  expectedRevision: string;
  /** Deleting a whole subject: references between its own versions do not block it. */
  ignoreReferrersInSubject: boolean;
}

export type DeleteOutcome =
  | { kind: 'deleted' }
  | { kind: 'retry' }
  /** `version` is referenced by `by` (live, or any when deleting permanently). */
  | { kind: 'referenced'; version: number; by: { subject: string; version: number } };

/** A version that references another one. */
export interface Referrer {
  subject: string;
  version: number;
  id: number;
  deleted: boolean;
}

/** A (subject, version) that holds a schema id. */
export interface IdUsage {
  subject: string;
  version: number;
}

export interface RegistryStore {
  schema(id: number): Promise<StoredSchema | undefined>;
  idForFingerprint(fingerprint: string): Promise<number | undefined>;
  /** The live version of `subject` holding schema `id`, if any. */
  liveVersionOf(subject: string, id: number): Promise<number | undefined>;
  snapshot(subject: string): Promise<SubjectSnapshot>;
  /** Subjects with a live version, or with any version (live or soft-deleted) when `includeDeleted`. */
  subjects(includeDeleted: boolean): Promise<string[]>;
  /** Every (subject, version) holding `id`, soft-deleted ones included. */
  usages(id: number): Promise<IdUsage[]>;
  referrers(subject: string, version: number): Promise<Referrer[]>;

  register(write: RegisterWrite): Promise<RegisterOutcome>;
  delete(write: DeleteWrite): Promise<DeleteOutcome>;

  /** `subject` null: the global config. */
  config(subject: string | null): Promise<RegistryConfig | undefined>;
  setConfig(subject: string | null, config: RegistryConfig | undefined): Promise<void>;
  mode(subject: string | null): Promise<Mode | undefined>;
  setMode(subject: string | null, mode: Mode | undefined): Promise<void>;

  close(): Promise<void>;
}

/** The stored form of a schema: deterministic, so equal schemas have equal records (IMPORT compares them). */
export function encodeStoredSchema(schema: StoredSchema): string {
  return JSON.stringify({
    schemaType: schema.schemaType,
    schema: schema.schema,
    references: schema.references.map(({ name, subject, version }) => ({ name, subject, version })),
  });
}

export function decodeStoredSchema(record: string): StoredSchema {
  return JSON.parse(record) as StoredSchema;
}
