import { toJsonText } from '../records/raw-json.js';
import type { DeliveredRecord } from './delivery.js';

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

/** The WebSocket `records` message, from records already rendered by deliveredRecordJson. */
export function recordsMessageJson(records: readonly string[]): string {
  // One join, the envelope included: a single flat string, where appending record by record (or
  // wrapping the join) leaves a chain of partial strings the socket must copy flat before writing.
  const parts = new Array<string>(records.length + 2);
  parts[0] = '{"type":"records","records":[';
  for (let i = 0; i < records.length; i++) parts[i + 1] = i === 0 ? records[i] : `,${records[i]}`;
  parts[records.length + 1] = ']}';
  return parts.join('');
}
