import { isUtf8 } from 'node:buffer';
import secureJson from 'secure-json-parse';
import { invalidUtf8, jsonTooDeep } from './errors.js';

/**
 * The deepest nesting of arrays and objects the gateway takes in JSON (request bodies, WebSocket
 * messages) and hands out as JSON (a stored value read with format=json). Records rarely nest past
 * 20 levels and a request's own envelope adds 2 or 3 (v2 `{"records":[{"value": …}]}`); 100 leaves
 * generated documents room while everything recursive after parsing — schema validation, Avro and
 * Protobuf encoding, JSON.stringify — stays far from Node's stack limit.
 */
export const MAX_JSON_DEPTH = 100;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether arrays and objects in JSON text nest deeper than `maxDepth`: one pass over the UTF-8
 * bytes that never recurses, so any input is safe to check (bytes of multi-byte characters are
 * all ≥ 0x80 and never look like brackets or quotes). Malformed text may answer either way and is
 * left for JSON.parse to report.
 */
export function nestsDeeperThan(json: Uint8Array, maxDepth: number): boolean {
  // Nesting past maxDepth takes more than maxDepth opening brackets.
  if (json.length <= maxDepth) return false;
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === QUOTE) {
      // Skip the string; an escaped character never ends it.
      while (++i < json.length) {
        const s = json[i];
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else {
      // '[' (0x5b) and '{' (0x7b), like ']' (0x5d) and '}' (0x7d), differ only in bit 0x20.
      const folded = c | 0x20;
      if (folded === 0x7b) {
        if (++depth > maxDepth) return true;
      } else if (folded === 0x7d) depth--;
    }
  }
  return false;
}

/** The text of UTF-8 bytes; bytes that are not UTF-8 are refused, never replaced by U+FFFD. */
export function utf8Text(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw invalidUtf8();
  return bytes.toString('utf8');
}

/**
 * Parses JSON the gateway was sent: UTF-8 only (a Buffer is checked; a string is taken as already
 * decoded), nested at most MAX_JSON_DEPTH levels, and no `__proto__` or `constructor.prototype`
 * keys (Fastify's guard against prototype poisoning). Throws a 400 GatewayError for depth or
 * encoding, a SyntaxError for anything JSON.parse or the guard refuses.
 */
export function parseJson(input: Buffer | string): unknown {
  const text = typeof input === 'string' ? input : utf8Text(input);
  if (nestsDeeperThan(typeof input === 'string' ? Buffer.from(input) : input, MAX_JSON_DEPTH)) throw jsonTooDeep(MAX_JSON_DEPTH);
  return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
}
