/** A client's schema request, from JSON to a parsed, fingerprinted candidate; and the path parameters that come with it. */
import type { ResolvedSchema } from './compatibility/types.js';
import { invalidSchema, invalidSubject, invalidVersion, schemaTooLarge } from './errors.js';
import { resolveReferences, type ReferenceSource, type ResolvedReferences } from './references.js';
import type { ResolvedReference } from './registry-store.js';
import { fingerprint } from './schema/parsed-schema.js';
import { parseSchema } from './schema/parse.js';
import { SCHEMA_TYPES, type SchemaRequest, type SchemaType, type StoredSchema, type VersionSelector } from './types.js';

/** `latest` / `-1` or a version number in [1, 2^31-1]; anything else is a 42202. */
export function parseVersion(raw: string | number): VersionSelector {
  const text = String(raw).trim();
  if (text === 'latest' || text === '-1') return 'latest';
  if (/^\d+$/.test(text)) {
    const version = Number(text);
    if (version >= 1 && version <= 2 ** 31 - 1) return version;
  }
  throw invalidVersion(String(raw));
}

/** A subject name may hold anything but control characters (42208). */
export function assertValidSubject(subject: string): void {
  // eslint-disable-next-line no-control-regex
  if (subject === '' || /[\u0000-\u001f\u007f-\u009f]/.test(subject)) throw invalidSubject(subject);
}

/** A schema request checked, parsed and fingerprinted: ready to register, look up or test. */
export interface Candidate {
  stored: StoredSchema;
  /** With references resolved, in canonical text: what the compatibility checkers read. */
  resolved: ResolvedSchema;
  direct: ResolvedReference[];
  canonicalFingerprint: string;
  normalizedFingerprint: string;
}

/** Checks, resolves, parses and fingerprints a schema request (malformed → 42201, too big → 42209). */
export async function prepareSchema(request: SchemaRequest, source: ReferenceSource, maxSchemaBytes: number): Promise<Candidate> {
  if (typeof request.schema !== 'string' || request.schema.trim() === '') throw invalidSchema('Empty schema');
  const bytes = Buffer.byteLength(request.schema, 'utf8');
  if (bytes > maxSchemaBytes) throw schemaTooLarge(bytes, maxSchemaBytes);
  const schemaType = (request.schemaType === undefined || request.schemaType === null ? 'AVRO' : String(request.schemaType).toUpperCase()) as SchemaType;
  if (!SCHEMA_TYPES.includes(schemaType)) throw invalidSchema(`unknown schema type '${String(request.schemaType)}'; the types are ${SCHEMA_TYPES.join(', ')}`);
  const references: ResolvedReferences = await resolveReferences(request.references, source);
  const parsed = await parseSchema({ schemaType, schema: request.schema, references: references.dependencies });
  return {
    stored: { schemaType, schema: parsed.canonical, references: references.references },
    resolved: { schemaType, schema: parsed.canonical, references: references.dependencies },
    direct: references.direct,
    canonicalFingerprint: fingerprint('canonical', schemaType, references.references, parsed.canonical),
    normalizedFingerprint: fingerprint('normalized', schemaType, references.references, parsed.normalized),
  };
}
