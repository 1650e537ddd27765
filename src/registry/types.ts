/** The registry's domain: subjects, versions, schema ids, references, configs and modes. */
import type { CompatibilityLevel, SchemaType } from './compatibility/types.js';

export type { CompatibilityLevel, SchemaType } from './compatibility/types.js';

export const SCHEMA_TYPES: readonly SchemaType[] = ['AVRO', 'PROTOBUF', 'JSON'];

export type Mode = 'READWRITE' | 'READONLY' | 'READONLY_OVERRIDE' | 'IMPORT';
export const MODES: readonly Mode[] = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'];

export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';
export const DEFAULT_MODE: Mode = 'READWRITE';

/** A dependency of a schema on a version of another subject, known to the referring schema by `name`. */
export interface SchemaReference {
  /** Avro: the referenced full type name; Protobuf: the import path; JSON Schema: the `$ref` URL. */
  name: string;
  subject: string;
  version: number;
}

/** A schema as stored under its global id: immutable once written. */
export interface StoredSchema {
  schemaType: SchemaType;
  /** The canonical text (whitespace- and comment-insensitive printing of what was registered). */
  schema: string;
  references: SchemaReference[];
}

/** One version of a subject. A soft-deleted version keeps its number and id but no longer counts as live. */
export interface VersionEntry {
  version: number;
  id: number;
  deleted: boolean;
}

/** A schema registered under a subject version: what `GET /subjects/{s}/versions/{v}` answers. */
export interface SubjectVersion extends StoredSchema {
  subject: string;
  version: number;
  id: number;
  deleted: boolean;
}

/** What a client asks to register, look up or test. */
export interface SchemaRequest {
  schema?: string;
  schemaType?: string;
  references?: SchemaReference[];
  /** IMPORT mode only: the id (and optionally version) the schema must get. */
  id?: number;
  version?: number;
}

/** A compatibility config as stored: level and the normalize default. */
export interface RegistryConfig {
  compatibilityLevel?: CompatibilityLevel;
  normalize?: boolean;
}

/** `latest` or a concrete version number (1 … 2^31-1). */
export type VersionSelector = number | 'latest';
