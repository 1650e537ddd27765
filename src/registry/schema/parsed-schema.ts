import { createHash } from 'node:crypto';
import type { SchemaReference, SchemaType } from '../types.js';

/** A schema that parsed (with its references), in the two printings the registry identifies it by. */
export interface ParsedSchema {
  schemaType: SchemaType;
  /**
   * Whitespace- and comment-insensitive printing that keeps everything the author wrote: the
   * text the registry stores and serves, and the identity of a registration without `normalize`.
   */
  canonical: string;
  /** A printing insensitive to declaration order and spelling too: the identity under `?normalize=true`. */
  normalized: string;
}

/** A JSON value with the keys of every object sorted, for order-insensitive comparison. */
export function sortedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedJson);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((key) => [key, sortedJson(object[key])]),
  );
}

/**
 * The key of the fingerprint → id index: the schema type, its references and one printing of
 * the schema. `c:` and `n:` keep the canonical and normalized identities apart.
 */
export function fingerprint(kind: 'canonical' | 'normalized', schemaType: SchemaType, references: SchemaReference[], text: string): string {
  const hash = createHash('sha256');
  hash.update(schemaType).update('\n');
  hash.update(JSON.stringify(references.map(({ name, subject, version }) => [name, subject, version]))).update('\n');
  hash.update(text);
  return `${kind === 'canonical' ? 'c' : 'n'}:${hash.digest('base64url')}`;
}
