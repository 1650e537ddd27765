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

/** The WebSocket `records` message. */
export function recordsMessageJson(records: readonly DeliveredRecord[]): string {
  let text = '{"type":"records","records":[';
  for (let i = 0; i < records.length; i++) text += (i === 0 ? '' : ',') + deliveredRecordJson(records[i]);
  return `${text}]}`;
}
