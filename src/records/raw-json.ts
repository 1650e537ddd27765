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

/** The `json` embedded form of stored bytes: JSON text kept raw, bytes that are not JSON as a string (`fromBytes` reads `json` through this). */
export function rawJsonFromBytes(bytes: Buffer | null): RawJson | string | null {
  if (bytes === null) return null;
  const text = bytes.toString('utf8');
  try {
    return new RawJson(text, JSON.parse(text));
  } catch {
    return text;
  }
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
