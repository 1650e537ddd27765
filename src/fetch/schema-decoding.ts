import { GatewayError } from '../errors.js';
import type { LogRecord } from '../log/store.js';
import { embeddedParts, type EmbeddedFormat } from '../records/embedded-format.js';
import type { RegistryService } from '../registry/registry-service.js';

export type SchemaFormat = 'avro' | 'protobuf' | 'jsonschema';
export type RecordFormat = EmbeddedFormat | SchemaFormat;

export const SCHEMA_FORMATS: readonly SchemaFormat[] = ['avro', 'protobuf', 'jsonschema'];
const TYPE_OF: Record<SchemaFormat, string> = { avro: 'AVRO', protobuf: 'PROTOBUF', jsonschema: 'JSON' };

export const isSchemaFormat = (format: string): format is SchemaFormat => (SCHEMA_FORMATS as readonly string[]).includes(format);

export interface DecodedRecord {
  key: unknown;
  value: unknown;
  key_schema_id?: number;
  value_schema_id?: number;
  /** Why the key or value could not be decoded; that part is then given as base64. The read goes on. */
  error?: string;
}

/**
 * A record's key and value in the asked format. Schema formats decode Confluent wire-format
 * bytes with the schema they name; bytes that are not wire format, name an unknown schema or a
 * schema of another type are reported on the record itself and never fail the whole read.
 */
export async function decodeRecord(record: LogRecord, format: RecordFormat, registry: RegistryService): Promise<DecodedRecord> {
  if (!isSchemaFormat(format)) return embeddedParts(record, format);
  const decoded: DecodedRecord = { key: null, value: null };
  const problems: string[] = [];
  for (const part of ['key', 'value'] as const) {
    const bytes = record[part];
    if (bytes === null) continue;
    try {
      const result = await registry.serde.decode(bytes);
      if (result.schemaType !== TYPE_OF[format]) throw new Error(`its schema ${result.schemaId} is ${result.schemaType}, not ${TYPE_OF[format]}`);
      decoded[part] = result.value;
      decoded[`${part}_schema_id`] = result.schemaId;
    } catch (error) {
      decoded[part] = bytes.toString('base64');
      problems.push(`${part}: ${error instanceof GatewayError || error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (problems.length > 0) decoded.error = `Cannot decode as ${format} (${problems.join('; ')}); the bytes are given as base64.`;
  return decoded;
}
