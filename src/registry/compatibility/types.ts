/**
 * The compatibility checker contract, shared by the registry service and the per-format
 * checkers (avro.ts, protobuf.ts, json-schema.ts beside this file).
 */
export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

export type CompatibilityLevel = 'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';

export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
];

/** A schema with its references resolved: the text of the schema and of every schema it references, by reference name. */
export interface ResolvedSchema {
  schemaType: SchemaType;
  schema: string;
  /** reference name → schema text (transitively resolved, in dependency order). */
  references: Array<{ name: string; schema: string }>;
}

/**
 * Checks whether data written with `writer` can be read with `reader` for one format.
 * Returns the reasons it cannot (empty when it can). The schemas are already known to parse.
 */
export type ReaderWriterCheck = (reader: ResolvedSchema, writer: ResolvedSchema) => string[];

/**
 * Applies a level to a new schema against the subject's live versions (oldest first):
 * BACKWARD = new reads latest; FORWARD = latest reads new; FULL = both;
 * *_TRANSITIVE = against every version, not just the latest. Returns every reason found.
 */
export function checkCompatibility(level: CompatibilityLevel, candidate: ResolvedSchema, previous: ResolvedSchema[], canRead: ReaderWriterCheck): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? previous : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const reasons: string[] = [];
  for (const old of [...against].reverse()) {
    if (backward) reasons.push(...canRead(candidate, old));
    if (forward) reasons.push(...canRead(old, candidate));
  }
  return reasons;
}
