import type { ResolvedSchema } from './compatibility/types.js';
import { invalidSchema } from './errors.js';
import type { ResolvedReference } from './registry-store.js';
import type { SchemaReference, StoredSchema } from './types.js';

/** What resolving references needs to read. */
export interface ReferenceSource {
  /** A version of a subject (soft-deleted ones too); `latest` is the latest live one. */
  versionEntry(subject: string, version: number | 'latest'): Promise<{ version: number; id: number } | undefined>;
  schema(id: number): Promise<StoredSchema | undefined>;
}

export interface ResolvedReferences {
  /** The references as stored: `version: -1` (latest) replaced by the concrete version. */
  references: SchemaReference[];
  /** The same, with the schema id each one names: the write checks they still hold. */
  direct: ResolvedReference[];
  /** Every schema referenced, transitively, dependencies first: what the parsers load. */
  dependencies: ResolvedSchema['references'];
}

const isReference = (value: unknown): value is SchemaReference => {
  const reference = value as SchemaReference;
  return (
    typeof reference === 'object' &&
    reference !== null &&
    typeof reference.name === 'string' &&
    reference.name !== '' &&
    typeof reference.subject === 'string' &&
    reference.subject !== '' &&
    Number.isInteger(reference.version) &&
    (reference.version >= 1 || reference.version === -1)
  );
};

/** Resolves a schema's references to the versions they name, and those versions' references in turn. */
export async function resolveReferences(requested: unknown, source: ReferenceSource): Promise<ResolvedReferences> {
  if (requested === undefined || requested === null) return { references: [], direct: [], dependencies: [] };
  if (!Array.isArray(requested)) throw invalidSchema('references must be an array of {name, subject, version}');
  const references: SchemaReference[] = [];
  const direct: ResolvedReference[] = [];
  const dependencies: ResolvedSchema['references'] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();

  const visit = async (reference: SchemaReference): Promise<{ version: number; id: number }> => {
    const entry = await source.versionEntry(reference.subject, reference.version === -1 ? 'latest' : reference.version);
    if (!entry) {
      throw invalidSchema(
        `reference '${reference.name}' names subject '${reference.subject}' version ${reference.version === -1 ? 'latest' : reference.version}, which does not exist`,
      );
    }
    const key = `${entry.version}:${reference.subject}`;
    if (done.has(key)) return entry;
    if (visiting.has(key)) throw invalidSchema(`references form a cycle through subject '${reference.subject}' version ${entry.version}`);
    visiting.add(key);
    const stored = await source.schema(entry.id);
    if (!stored) throw invalidSchema(`reference '${reference.name}' names schema ${entry.id}, which does not exist`);
    for (const nested of stored.references) await visit(nested);
    visiting.delete(key);
    done.add(key);
    if (!dependencies.some((dependency) => dependency.name === reference.name)) dependencies.push({ name: reference.name, schema: stored.schema });
    return entry;
  };

  for (const reference of requested) {
    if (!isReference(reference))
      throw invalidSchema(`invalid reference ${JSON.stringify(reference)}: it needs a name, a subject and a version (>= 1, or -1 for the latest)`);
    const entry = await visit(reference);
    references.push({ name: reference.name, subject: reference.subject, version: entry.version });
    direct.push({ subject: reference.subject, version: entry.version, id: entry.id });
  }
  return { references, direct, dependencies };
}
