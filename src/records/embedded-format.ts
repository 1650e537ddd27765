import { invalidInput, ErrorCode, GatewayError } from '../errors.js';
import { NotJsonText, rawJsonFromBytes } from './raw-json.js';

/**
 * Kafka moves bytes; REST clients send and receive them in an embedded format: `json` (any JSON
 * value, stored as its UTF-8 JSON text), `binary` (base64), or `string` (UTF-8 text).
 * Schema formats (avro, protobuf, jsonschema) are handled by the registry's serdes.
 */
export type EmbeddedFormat = 'json' | 'binary' | 'string';

export const EMBEDDED_FORMATS: readonly EmbeddedFormat[] = ['json', 'binary', 'string'];

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Bytes of a key or value given in `format`; null/undefined stays null (a null key, or a tombstone). */
export function toBytes(data: unknown, format: EmbeddedFormat, what: string): Buffer | null {
  if (data === null || data === undefined) return null;
  switch (format) {
    case 'json':
      return Buffer.from(JSON.stringify(data), 'utf8');
    case 'binary':
      if (typeof data !== 'string' || !BASE64.test(data)) {
        throw new GatewayError(ErrorCode.UNPROCESSABLE, `${what} is not valid base64: binary data must be a base64 string.`);
      }
      return Buffer.from(data, 'base64');
    case 'string':
      if (typeof data !== 'string') throw new GatewayError(ErrorCode.UNPROCESSABLE, `${what} must be a string for the string format.`);
      return Buffer.from(data, 'utf8');
  }
}

/** A record's key and value as a reader gets them, and why a part could not be given in the asked format. */
export interface EmbeddedParts {
  key: unknown;
  value: unknown;
  /** Set when the key or value is not what the format needs; that part is then given as base64. */
  error?: string;
}

/** A stored key or value in `binary` (base64) or `string` (UTF-8 text); null stays null. */
function fromBytes(bytes: Buffer | null, format: 'binary' | 'string'): string | null {
  if (bytes === null) return null;
  return format === 'binary' ? bytes.toString('base64') : bytes.toString('utf8');
}

/** A stored key or value under `json`: its JSON (RawJson or parsed), null, or why it is not JSON text. */
function jsonPart(bytes: Buffer | null, keepRaw: boolean): unknown {
  if (bytes === null) return null;
  const json = rawJsonFromBytes(bytes);
  if (json instanceof NotJsonText) return json;
  return keepRaw ? json : json.value;
}

/**
 * A record's key and value in an embedded format. Under `json`, a part whose bytes are not JSON
 * text (a record produced as binary, say) is given as base64 and `error` names it; the read goes
 * on. With `keepRaw`, JSON stays as its stored text (RawJson) for serializers that embed it.
 */
export function embeddedParts(record: { key: Buffer | null; value: Buffer | null }, format: EmbeddedFormat, keepRaw = false): EmbeddedParts {
  if (format !== 'json') return { key: fromBytes(record.key, format), value: fromBytes(record.value, format) };
  const key = jsonPart(record.key, keepRaw);
  const value = jsonPart(record.value, keepRaw);
  if (!(key instanceof NotJsonText) && !(value instanceof NotJsonText)) return { key, value };
  const problems: string[] = [];
  if (key instanceof NotJsonText) problems.push(`key: ${key.reason}`);
  if (value instanceof NotJsonText) problems.push(`value: ${value.reason}`);
  return {
    key: key instanceof NotJsonText ? key.bytes.toString('base64') : key,
    value: value instanceof NotJsonText ? value.bytes.toString('base64') : value,
    error: `Cannot decode as json (${problems.join('; ')}); the bytes are given as base64.`,
  };
}

export function parseEmbeddedFormat(value: string): EmbeddedFormat {
  if ((EMBEDDED_FORMATS as readonly string[]).includes(value)) return value as EmbeddedFormat;
  throw invalidInput(`Unknown format '${value}': expected one of ${EMBEDDED_FORMATS.join(', ')}.`);
}
