import { isUtf8 } from 'node:buffer';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../json-text.js';

/**
 * A key or value stored as valid JSON text, kept as that text beside its parsed value. Record
 * serializers that know this type embed the text as it is instead of parsing and re-serializing
 * every value; anything else (JSON.stringify, tests) sees the parsed value through `toJSON`.
 */
export class RawJson {
  constructor(
    readonly text: string,
    readonly value: unknown,
  ) {}

  toJSON(): unknown {
    return this.value;
  }
}

/** Stored bytes that cannot be handed out as JSON, and why (they are handed out as base64 instead). */
export class NotJsonText {
  constructor(
    readonly bytes: Buffer,
    readonly reason: string,
  ) {}
}

/**
 * The `json` embedded form of stored bytes: their JSON text kept raw, or why they are not JSON
 * text. Bytes that are not UTF-8 are not JSON text (RFC 8259), though decoding them would replace
 * them by U+FFFD and might parse; JSON nested past MAX_JSON_DEPTH parses, but serializing its
 * value again would overflow the stack.
 */
export function rawJsonFromBytes(bytes: Buffer): RawJson | NotJsonText {
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return new NotJsonText(bytes, 'not valid JSON text');
  }
  // Decoding puts U+FFFD where bytes are not UTF-8: only a text holding one needs the exact check.
  if (text.includes('\uFFFD') && !isUtf8(bytes)) return new NotJsonText(bytes, 'not valid JSON text (not UTF-8)');
  // Valid JSON nested past D levels holds D + 1 opening and D + 1 closing brackets.
  if (bytes.length > 2 * MAX_JSON_DEPTH + 1 && nestsDeeperThan(bytes, MAX_JSON_DEPTH)) {
    return new NotJsonText(bytes, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return new RawJson(text, value);
}

const LINE_BREAK = /[\r\n]/;

/**
 * JSON text of a value on one line, embedding RawJson as it is. Stored text that spans lines (line
 * breaks can only be whitespace between its tokens) is serialized again: a Server-Sent Events
 * `data:` field ends at a line break.
 */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson && !LINE_BREAK.test(value.text)) return value.text;
  return JSON.stringify(value) ?? 'null';
}
