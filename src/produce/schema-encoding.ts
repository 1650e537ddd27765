import { ErrorCode, GatewayError } from '../errors.js';
import type { RegistryService } from '../registry/registry-service.js';
import type { SchemaType } from '../registry/types.js';

export type SubjectNameStrategy = 'TOPIC_NAME' | 'RECORD_NAME' | 'TOPIC_RECORD_NAME';
export type RecordPart = 'key' | 'value';

/** How a produce request names the schema of a key or value (any one way; Confluent's options). */
export interface SchemaSpec {
  schemaType: SchemaType;
  schemaId?: number;
  subject?: string;
  version?: number;
  /** An inline schema: registered (idempotently) under the strategy's subject, as Confluent REST Proxy does. */
  schema?: string;
  strategy?: SubjectNameStrategy;
}

/** Confluent's 42201 / 42202 for a key or value that needs a schema and has none. */
export const schemaMissing = (part: RecordPart): GatewayError =>
  new GatewayError(
    part === 'key' ? ErrorCode.KEY_SCHEMA_MISSING : ErrorCode.VALUE_SCHEMA_MISSING,
    `Request includes ${part}s but does not include ${part} schema or ${part}_schema_id`,
  );

/** The full name a schema gives its record (Avro namespace.name, Protobuf package.Message, JSON Schema title). */
export function recordName(schemaType: SchemaType, schema: string): string | undefined {
  try {
    if (schemaType === 'AVRO') {
      const parsed = JSON.parse(schema) as { name?: string; namespace?: string };
      if (!parsed.name) return undefined;
      return parsed.name.includes('.') || !parsed.namespace ? parsed.name : `${parsed.namespace}.${parsed.name}`;
    }
    if (schemaType === 'JSON') return (JSON.parse(schema) as { title?: string }).title;
    const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(schema)?.[1];
    const message = /^\s*message\s+(\w+)/m.exec(schema)?.[1];
    return message && (pkg ? `${pkg}.${message}` : message);
  } catch {
    return undefined;
  }
}

/**
 * Resolves the schema of keys and values of a produce request to a schema id, and encodes values
 * with it in the Confluent wire format. Each request resolves its schemas once; the registry's
 * serde caches compiled codecs by id, so records are never re-parsed.
 */
export class SchemaEncoder {
  constructor(private readonly registry: RegistryService) {}

  /** The subject a strategy names for a topic's keys or values. */
  subjectFor(topic: string, part: RecordPart, spec: SchemaSpec): string {
    const strategy = spec.strategy ?? 'TOPIC_NAME';
    if (strategy === 'TOPIC_NAME') return `${topic}-${part}`;
    const name = spec.schema ? recordName(spec.schemaType, spec.schema) : spec.subject;
    if (!name) {
      throw new GatewayError(ErrorCode.UNPROCESSABLE, `The ${strategy} subject name strategy needs the record's name: give an inline schema that names its record, or the subject.`);
    }
    return strategy === 'RECORD_NAME' ? name : `${topic}-${name}`;
  }

  async schemaId(topic: string, part: RecordPart, spec: SchemaSpec): Promise<number> {
    if (spec.schemaId !== undefined) {
      const stored = await this.registry.schemaById(spec.schemaId);
      if (stored.schemaType !== spec.schemaType) {
        throw new GatewayError(ErrorCode.INVALID_PAYLOAD, `Schema ${spec.schemaId} is ${stored.schemaType}, not ${spec.schemaType}.`);
      }
      return spec.schemaId;
    }
    if (spec.schema !== undefined) {
      const subject = spec.subject && spec.strategy === undefined ? spec.subject : this.subjectFor(topic, part, spec);
      return (await this.registry.register(subject, { schema: spec.schema, schemaType: spec.schemaType })).id;
    }
    const subject = spec.subject ?? this.subjectFor(topic, part, spec);
    const version = await this.registry.getVersion(subject, spec.version ?? 'latest');
    return version.id;
  }

  /** Validates and encodes one key or value (42205 when it does not match the schema). */
  encode(schemaId: number, value: unknown): Promise<Buffer> {
    return this.registry.serde.encode(schemaId, value);
  }
}
