import { GatewayError } from '../errors.js';

/**
 * Confluent Schema Registry error codes (io.confluent.kafka.schemaregistry.rest.exceptions.Errors).
 * The HTTP status is the first three digits, except 409 which is its own status and code
 * (the shape of Confluent up to 7.x, which clients match on).
 */
export const RegistryErrorCode = {
  SUBJECT_NOT_FOUND: 40401,
  VERSION_NOT_FOUND: 40402,
  SCHEMA_NOT_FOUND: 40403,
  SUBJECT_SOFT_DELETED: 40404,
  SUBJECT_NOT_SOFT_DELETED: 40405,
  VERSION_SOFT_DELETED: 40406,
  VERSION_NOT_SOFT_DELETED: 40407,
  SUBJECT_COMPATIBILITY_NOT_CONFIGURED: 40408,
  SUBJECT_MODE_NOT_CONFIGURED: 40409,
  INCOMPATIBLE_SCHEMA: 409,
  INVALID_SCHEMA: 42201,
  INVALID_VERSION: 42202,
  INVALID_COMPATIBILITY_LEVEL: 42203,
  INVALID_MODE: 42204,
  OPERATION_NOT_PERMITTED: 42205,
  REFERENCE_EXISTS: 42206,
  INVALID_SUBJECT: 42208,
  SCHEMA_TOO_LARGE: 42209,
  STORE_ERROR: 50001,
  OPERATION_TIMEOUT: 50002,
  REQUEST_FORWARDING_FAILED: 50003,
} as const;

const E = RegistryErrorCode;

export const subjectNotFound = (subject: string): GatewayError => new GatewayError(E.SUBJECT_NOT_FOUND, `Subject '${subject}' not found.`);

export const versionNotFound = (version: number | string): GatewayError => new GatewayError(E.VERSION_NOT_FOUND, `Version ${version} not found.`);

export const schemaNotFound = (id?: number): GatewayError =>
  new GatewayError(E.SCHEMA_NOT_FOUND, id === undefined ? 'Schema not found' : `Schema ${id} not found`);

export const subjectSoftDeleted = (subject: string): GatewayError =>
  new GatewayError(E.SUBJECT_SOFT_DELETED, `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`);

export const subjectNotSoftDeleted = (subject: string): GatewayError =>
  new GatewayError(E.SUBJECT_NOT_SOFT_DELETED, `Subject '${subject}' was not deleted first before being permanently deleted`);

export const versionSoftDeleted = (subject: string, version: number): GatewayError =>
  new GatewayError(E.VERSION_SOFT_DELETED, `Subject '${subject}' Version ${version} was soft deleted.Set permanent=true to delete permanently`);

export const versionNotSoftDeleted = (subject: string, version: number): GatewayError =>
  new GatewayError(E.VERSION_NOT_SOFT_DELETED, `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`);

export const compatibilityNotConfigured = (subject: string): GatewayError =>
  new GatewayError(E.SUBJECT_COMPATIBILITY_NOT_CONFIGURED, `Subject '${subject}' does not have subject-level compatibility configured`);

export const modeNotConfigured = (subject: string): GatewayError =>
  new GatewayError(E.SUBJECT_MODE_NOT_CONFIGURED, `Subject '${subject}' does not have subject-level mode configured`);

export const incompatibleSchema = (reasons: string[]): GatewayError =>
  new GatewayError(E.INCOMPATIBLE_SCHEMA, `Schema being registered is incompatible with an earlier schema for subject; details: ${JSON.stringify(reasons)}`);

export const invalidSchema = (detail: string): GatewayError => new GatewayError(E.INVALID_SCHEMA, `Invalid schema: ${detail}`);

export const invalidVersion = (version: string): GatewayError =>
  new GatewayError(
    E.INVALID_VERSION,
    `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
  );

export const invalidCompatibilityLevel = (level: unknown): GatewayError =>
  new GatewayError(
    E.INVALID_COMPATIBILITY_LEVEL,
    `Invalid compatibility level${level === undefined ? '' : ` '${String(level)}'`}. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive`,
  );

export const invalidMode = (mode: unknown): GatewayError =>
  new GatewayError(
    E.INVALID_MODE,
    `Invalid mode${mode === undefined ? '' : ` '${String(mode)}'`}. Valid values are READWRITE, READONLY, READONLY_OVERRIDE and IMPORT`,
  );

export const operationNotPermitted = (message: string): GatewayError => new GatewayError(E.OPERATION_NOT_PERMITTED, message);

export const referenceExists = (subject: string, version: number, by: string): GatewayError =>
  new GatewayError(E.REFERENCE_EXISTS, `One or more references exist to the schema {subject=${subject},version=${version}} (referenced by ${by})`);

export const invalidSubject = (subject: string): GatewayError => new GatewayError(E.INVALID_SUBJECT, `The specified subject '${subject}' is not valid.`);

export const schemaTooLarge = (bytes: number, limit: number): GatewayError =>
  new GatewayError(E.SCHEMA_TOO_LARGE, `Register operation failed because schema is too large: ${bytes} bytes, the limit is ${limit}`);

export const storeError = (detail: string, cause?: unknown): GatewayError =>
  new GatewayError(E.STORE_ERROR, `Error in the backend data store: ${detail}`, { retriable: true, cause });

export const storeTimeout = (detail: string, cause?: unknown): GatewayError =>
  new GatewayError(E.OPERATION_TIMEOUT, `Operation timed out: ${detail}`, { retriable: true, cause });

/** A concurrent writer kept changing the subject while we retried: the client may simply retry. */
export const concurrentModification = (subject: string): GatewayError =>
  new GatewayError(E.STORE_ERROR, `Subject '${subject}' changed concurrently too many times; retry the request`, { retriable: true });
