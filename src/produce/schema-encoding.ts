import { ErrorCode, GatewayError } from '../errors.js';
import { invalidSchema, RegistryErrorCode } from '../registry/errors.js';
import { LruCache } from '../registry/lru-cache.js';
import type { RegistryService } from '../registry/registry-service.js';
import { avroType } from '../registry/schema/avro.js';
import { protobufSchema } from '../registry/schema/protobuf.js';
import type { SchemaType } from '../registry/types.js';

export type SubjectNameStrategy = 'TOPIC_NAME' | 'RECORD_NAME' | 'TOPIC_RECORD_NAME';
export type RecordPart = 'key' | 'value';

/**
 * How a produce request names the schema of its keys or values. Confluent REST Proxy's order
 * decides when several are given: `schemaId`, then `version` (of `subject`, or of the strategy's
 * subject), then an inline `schema` (registered under `subject` or the strategy's subject), and
 * with none of these the latest version of that subject.
 */
export interface SchemaSpec {
  /** The format the data is in; taken from the schema when absent (an inline schema needs it). */
  schemaType?: SchemaType;
  schemaId?: number;
  subject?: string;
  version?: number;
  schema?: string;
  /** How to name the subject when `subject` is absent; TOPIC_NAME (`<topic>-key|value`) by default. */
  strategy?: SubjectNameStrategy;
}

/** The schema of a request's keys or values, resolved once per request, with a synchronous encoder. */
export interface PartSchema {
  readonly schemaId: number;
  readonly schemaType: SchemaType;
  /** The subject and version the schema was found or registered under (unknown when named by id). */
  readonly subject?: string;
  readonly version?: number;
  /** The value in the Confluent wire format; 42205 naming `what` (e.g. `records[3].value`) when it does not match the schema. */
  encode(value: unknown, what: string): Buffer;
}

/** A batch whose keys and values each have one schema (Confluent v2's embedded schema formats). */
export interface SchemaBatch {
  key: { schemaId?: number; schema?: string };
  value: { schemaId?: number; schema?: string };
  records: ReadonlyArray<{ key?: unknown; value?: unknown }>;
}

export interface EncodedBatch {
  keySchemaId: number | null;
  valueSchemaId: number | null;
  /** In the order of the batch; null stays null (a null key, a tombstone). */
  records: Array<{ key: Buffer | null; value: Buffer | null }>;
}

/** Confluent's 42201 / 42202 for a request with keys or values but no schema for them. */
export const schemaMissing = (part: RecordPart): GatewayError =>
  new GatewayError(
    part === 'key' ? ErrorCode.KEY_SCHEMA_MISSING : ErrorCode.VALUE_SCHEMA_MISSING,
    `Request includes ${part}s but does not include ${part}_schema or ${part}_schema_id.`,
  );

/** An inline schema is registered at most once per this period per subject: clients send the same schema with every request. */
const REGISTERED_TTL_MS = 1000;

/**
 * The full name a schema gives its record, as Confluent's RecordNameStrategy uses it: Avro
 * `namespace.name`, Protobuf `package.FirstMessage`, JSON Schema `title`.
 */
function recordName(schemaType: SchemaType, schema: string): string | undefined {
  const resolved = { schemaType, schema, references: [] };
  try {
    if (schemaType === 'AVRO') return avroType(resolved).name;
    if (schemaType === 'PROTOBUF') return protobufSchema(resolved, true).messages[0];
    const title = (JSON.parse(schema) as { title?: unknown }).title;
    return typeof title === 'string' && title !== '' ? title : undefined;
  } catch (error) {
    throw invalidSchema(error instanceof Error ? error.message : String(error));
  }
}

/** A registry error said again with what the produce request asked for, keeping its code. */
function explained(error: unknown, context: string): unknown {
  if (!(error instanceof GatewayError)) return error;
  const hint =
    error.errorCode === RegistryErrorCode.SUBJECT_NOT_FOUND || error.errorCode === RegistryErrorCode.VERSION_NOT_FOUND
      ? ' Register a schema under it, or name one by schema id or inline.'
      : '';
  return new GatewayError(error.errorCode, `${context}: ${error.message}${hint}`, { retriable: error.retriable, cause: error });
}

/**
 * Resolves the schemas that produce requests name (by id, by subject and version, inline, or by
 * subject name strategy) and encodes keys and values with them in the Confluent wire format.
 * A request resolves each schema once and gets the compiled codec (cached by id in the registry's
 * serde), so its records are encoded without further lookups.
 */
export class SchemaEncoder {
  private readonly registered = new LruCache<string, { id: number; version: number; until: number }>(1000);

  constructor(private readonly registry: RegistryService) {}

  /** One request's resolver: a schema spec repeated by many records (v3 streaming) is resolved once. */
  forRequest(topic: string): (part: RecordPart, spec: SchemaSpec) => Promise<PartSchema> {
    const resolved = new Map<string, Promise<PartSchema>>();
    return (part, spec) => {
      const key = JSON.stringify([part, spec.schemaType, spec.schemaId, spec.subject, spec.version, spec.schema, spec.strategy]);
      let schema = resolved.get(key);
      if (!schema) resolved.set(key, (schema = this.resolve(topic, part, spec)));
      return schema;
    };
  }

  /**
   * Encodes every key and value of a v2 batch before anything is written: schemas by id, or inline
   * and registered under `<topic>-key|value` (TopicNameStrategy, as Confluent REST Proxy does);
   * keys or values without a schema are 42201 / 42202, data that does not match 42205.
   */
  async encodeBatch(topic: string, schemaType: SchemaType, batch: SchemaBatch): Promise<EncodedBatch> {
    const resolve = this.forRequest(topic);
    const present = (data: unknown) => data !== null && data !== undefined;
    const schemaOf = async (part: RecordPart): Promise<PartSchema | undefined> => {
      const { schemaId, schema } = batch[part];
      if (schemaId !== undefined || schema !== undefined) return resolve(part, { schemaType, schemaId, schema });
      if (batch.records.some((record) => present(record[part]))) throw schemaMissing(part);
      return undefined;
    };
    const key = await schemaOf('key');
    const value = await schemaOf('value');
    const encode = (schema: PartSchema | undefined, data: unknown, what: string) => (schema && present(data) ? schema.encode(data, what) : null);
    return {
      keySchemaId: key?.schemaId ?? null,
      valueSchemaId: value?.schemaId ?? null,
      records: batch.records.map((record, index) => ({
        key: encode(key, record.key, `records[${index}].key`),
        value: encode(value, record.value, `records[${index}].value`),
      })),
    };
  }

  /** The subject a spec names: `subject` itself, or the strategy's subject for the topic's keys or values. */
  private subjectFor(topic: string, part: RecordPart, spec: SchemaSpec): string {
    if (spec.subject !== undefined) return spec.subject;
    const strategy = spec.strategy ?? 'TOPIC_NAME';
    if (strategy === 'TOPIC_NAME') return `${topic}-${part}`;
    if (spec.schema === undefined || spec.schemaType === undefined) {
      throw new GatewayError(
        ErrorCode.UNPROCESSABLE,
        `${part}: the ${strategy} subject name strategy names the subject after the record's full name, which only a schema gives: send the schema inline (with its type), or give the subject itself.`,
      );
    }
    const name = recordName(spec.schemaType, spec.schema);
    if (!name) {
      const needs = spec.schemaType === 'AVRO' ? 'named type (record, enum or fixed)' : spec.schemaType === 'PROTOBUF' ? 'message' : 'title';
      throw new GatewayError(
        ErrorCode.UNPROCESSABLE,
        `${part}: the ${strategy} subject name strategy needs the record's full name, and the inline schema has no ${needs}.`,
      );
    }
    return strategy === 'RECORD_NAME' ? name : `${topic}-${name}`;
  }

  /** The schema a spec names, ready to encode with (40403 unknown id, 40401/40402 unknown subject or version, 42201 invalid inline schema). */
  async resolve(topic: string, part: RecordPart, spec: SchemaSpec): Promise<PartSchema> {
    const found = await this.find(topic, part, spec);
    if (spec.schemaType !== undefined && found.schemaType !== spec.schemaType) {
      throw new GatewayError(
        ErrorCode.INVALID_PAYLOAD,
        `${part}: schema ${found.schemaId} is ${found.schemaType}, but the data is given as ${spec.schemaType}.`,
      );
    }
    return { ...found, encode: await this.registry.serde.encoder(found.schemaId) };
  }

  private async find(topic: string, part: RecordPart, spec: SchemaSpec): Promise<Omit<PartSchema, 'encode'>> {
    if (spec.schemaId !== undefined) {
      const stored = await this.registry.schemaById(spec.schemaId).catch((error: unknown) => {
        throw explained(error, `${part} schema id ${spec.schemaId}`);
      });
      return { schemaId: spec.schemaId, schemaType: stored.schemaType };
    }
    if (spec.schema !== undefined && spec.schemaType === undefined) {
      throw new GatewayError(ErrorCode.UNPROCESSABLE, `${part}: an inline schema needs its type (AVRO, PROTOBUF or JSONSCHEMA).`);
    }
    const subject = this.subjectFor(topic, part, spec);
    if (spec.version === undefined && spec.schema !== undefined && spec.schemaType !== undefined) {
      return this.register(subject, spec.schemaType, spec.schema).catch((error: unknown) => {
        throw explained(error, `${part} schema: registering under subject '${subject}'`);
      });
    }
    const version = spec.version ?? 'latest';
    const found = await this.registry.getVersion(subject, version).catch((error: unknown) => {
      throw explained(error, `${part} schema: subject '${subject}' version ${version}`);
    });
    return { schemaId: found.id, schemaType: found.schemaType, subject, version: found.version };
  }

  /** Registers an inline schema (idempotent in the registry), remembering the answer briefly so a stream of requests costs one registration. */
  private async register(subject: string, schemaType: SchemaType, schema: string): Promise<Omit<PartSchema, 'encode'>> {
    const key = `${subject}\n${schemaType}\n${schema}`;
    const known = this.registered.get(key);
    if (known && known.until > Date.now()) return { schemaId: known.id, schemaType, subject, version: known.version };
    const { id, version } = await this.registry.register(subject, { schema, schemaType });
    this.registered.set(key, { id, version, until: Date.now() + REGISTERED_TTL_MS });
    return { schemaId: id, schemaType, subject, version };
  }
}
