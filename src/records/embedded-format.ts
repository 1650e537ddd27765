import { invalidInput, ErrorCode, GatewayError } from '../errors.js';
import { RawJson, rawJsonFromBytes } from './raw-json.js';

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

/**
 * The JSON form of stored bytes. For `json`, bytes that are not valid JSON come back as a string
 * (a record produced as binary can still be read), never as an error that stops the stream.
 */
export function fromBytes(bytes: Buffer | null, format: EmbeddedFormat): unknown {
  if (bytes === null) return null;
  switch (format) {
    case 'binary':
      return bytes.toString('base64');
    case 'string':
      return bytes.toString('utf8');
    case 'json': {
      const json = rawJsonFromBytes(bytes);
      return json instanceof RawJson ? json.value : json;
    }
  }
}

export function parseEmbeddedFormat(value: string): EmbeddedFormat {
  if ((EMBEDDED_FORMATS as readonly string[]).includes(value)) return value as EmbeddedFormat;
  throw invalidInput(`Unknown format '${value}': expected one of ${EMBEDDED_FORMATS.join(', ')}.`);
}
