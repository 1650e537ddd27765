import type { LogRecord } from '../log/store.js';
import { embeddedParts } from '../records/embedded-format.js';
import { toJsonText } from '../records/raw-json.js';
import { decodeRecord, isSchemaFormat, type RecordFormat } from '../fetch/schema-decoding.js';
import type { RegistryService } from '../registry/registry-service.js';

/** A record as a socket or event stream delivers it. */
export interface DeliveredRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: unknown;
  value: unknown;
  headers: Array<{ name: string; value: string | null }>;
  /** Set when the key or value could not be decoded in the asked format; the record is still delivered. */
  error?: string;
}

/** Renders stored records as delivered-record JSON text in one format. */
export type RecordRenderer = (records: LogRecord[]) => Promise<string[]>;

/**
 * The renderer of a format: embedded formats (json, binary, string) directly — stored JSON
 * embedded as it was stored, not parsed and serialized again — and schema formats through the
 * registry's serdes.
 */
export function recordRenderer(topic: string, partition: number, format: RecordFormat, registry: RegistryService): RecordRenderer {
  const headers = (record: LogRecord) => record.headers.map((h) => ({ name: h.name, value: h.value === null ? null : h.value.toString('base64') }));
  const delivered = (record: LogRecord, parts: Pick<DeliveredRecord, 'key' | 'value' | 'error'>): string =>
    deliveredRecordJson({ topic, partition, offset: record.offset, timestamp: record.timestamp, ...parts, headers: headers(record) });
  if (isSchemaFormat(format)) {
    return (records) =>
      Promise.all(
        records.map(async (record) => {
          const { key, value, error } = await decodeRecord(record, format, registry);
          return delivered(record, { key, value, error });
        }),
      );
  }
  // JSON stays as its stored text for the sinks to embed; bytes that are not JSON come as base64 with `error`.
  return async (records) => records.map((record) => delivered(record, embeddedParts(record, format, true)));
}

/**
 * A delivered record as JSON text, the same document JSON.stringify would give (same fields and
 * values), written by hand so keys and values kept as raw JSON text are embedded, not re-serialized.
 */
export function deliveredRecordJson(record: DeliveredRecord): string {
  const headers = record.headers.length === 0 ? '[]' : JSON.stringify(record.headers);
  const error = record.error === undefined ? '' : `,"error":${JSON.stringify(record.error)}`;
  return (
    `{"topic":${JSON.stringify(record.topic)},"partition":${record.partition},"offset":${record.offset},"timestamp":${record.timestamp},` +
    `"key":${toJsonText(record.key)},"value":${toJsonText(record.value)}${error},"headers":${headers}}`
  );
}
