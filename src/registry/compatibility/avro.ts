import avro from 'avsc';
import { avroType } from '../schema/avro.js';
import type { ReaderWriterCheck, ResolvedSchema } from './types.js';

/**
 * Avro schema resolution (Avro specification, "Schema Resolution"): can data written with the
 * writer's schema be read with the reader's? Reasons carry the error types of Avro's Java
 * SchemaCompatibility (which Confluent reports) and the path in the reader's schema.
 */

const { RecordType, EnumType, FixedType, ArrayType, MapType, UnwrappedUnionType, WrappedUnionType, LogicalType } = avro.types;

/** The promotions the specification allows: writer type → reader types that read it. */
const PROMOTIONS: Record<string, readonly string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

const shortName = (name: string) => name.slice(name.lastIndexOf('.') + 1);

/** Logical types read and write as their underlying type. */
function underlying(type: avro.Type): avro.Type {
  return type instanceof LogicalType ? underlying(type.underlyingType) : type;
}

function branches(type: avro.Type): avro.Type[] | undefined {
  return type instanceof UnwrappedUnionType || type instanceof WrappedUnionType ? type.types : undefined;
}

/** Kind of a type as the specification names it ('record' for avsc's 'error' too). */
function kind(type: avro.Type): string {
  if (branches(type)) return 'union';
  return type.typeName === 'error' ? 'record' : type.typeName;
}

/** A reader's named type reads a writer's one of the same unqualified name or whose full name is one of the reader's aliases. */
function namesMatch(reader: avro.Type, writer: avro.Type): boolean {
  const readerName = reader.name ?? '';
  const writerName = writer.name ?? '';
  if (shortName(readerName) === shortName(writerName)) return true;
  return (reader.aliases ?? []).some((alias) => alias === writerName || shortName(alias) === shortName(writerName));
}

class Resolution {
  /** Named-type pairs under check: a recursive type met again is assumed to resolve (the first visit decides). */
  private readonly inProgress = new Set<string>();

  check(reader: avro.Type, writer: avro.Type, path: string): string[] {
    const r = underlying(reader);
    const w = underlying(writer);
    const writerBranches = branches(w);
    if (writerBranches) {
      // Every branch the writer may have written must be readable.
      return writerBranches.flatMap((branch, index) => {
        const reasons = this.check(r, branch, path);
        return reasons.length === 0 ? [] : [`MISSING_UNION_BRANCH at ${path || '/'}: the reader cannot read the writer's union branch ${index} (${describe(branch)})`, ...reasons];
      });
    }
    const readerBranches = branches(r);
    if (readerBranches) {
      const readable = readerBranches.some((branch) => this.check(branch, w, path).length === 0);
      return readable ? [] : [`TYPE_MISMATCH at ${path || '/'}: no branch of the reader's union reads the writer's ${describe(w)}`];
    }
    return this.checkSame(r, w, path);
  }

  private checkSame(reader: avro.Type, writer: avro.Type, path: string): string[] {
    const readerKind = kind(reader);
    const writerKind = kind(writer);
    const at = path || '/';
    if (readerKind !== writerKind) {
      if (PROMOTIONS[writerKind]?.includes(readerKind)) return [];
      return [`TYPE_MISMATCH at ${at}: the reader's ${describe(reader)} cannot read the writer's ${describe(writer)}`];
    }
    if (NAMED.has(readerKind) && !namesMatch(reader, writer)) {
      return [`NAME_MISMATCH at ${at}: expected ${readerKind} '${reader.name ?? ''}', the writer has '${writer.name ?? ''}'`];
    }
    if (reader instanceof ArrayType && writer instanceof ArrayType) return this.check(reader.itemsType, writer.itemsType, `${path}/items`);
    if (reader instanceof MapType && writer instanceof MapType) return this.check(reader.valuesType as avro.Type, writer.valuesType as avro.Type, `${path}/values`);
    if (reader instanceof FixedType && writer instanceof FixedType) {
      return reader.size === writer.size ? [] : [`FIXED_SIZE_MISMATCH at ${path}/size: expected size ${reader.size}, the writer has ${writer.size}`];
    }
    if (reader instanceof EnumType && writer instanceof EnumType) return enumReasons(reader, writer, `${path}/symbols`);
    if (reader instanceof RecordType && writer instanceof RecordType) return this.guarded(reader, writer, () => this.recordReasons(reader, writer, path));
    return [];
  }

  private guarded(reader: avro.Type, writer: avro.Type, run: () => string[]): string[] {
    const key = `${reader.name ?? ''}\u0000${writer.name ?? ''}`;
    if (this.inProgress.has(key)) return [];
    this.inProgress.add(key);
    try {
      return run();
    } finally {
      this.inProgress.delete(key);
    }
  }

  private recordReasons(reader: avro.types.RecordType, writer: avro.types.RecordType, path: string): string[] {
    const reasons: string[] = [];
    for (const field of reader.fields) {
      const fieldPath = `${path}/fields/${field.name}`;
      const written = writer.fields.find((candidate) => candidate.name === field.name) ?? writer.fields.find((candidate) => (field.aliases ?? []).includes(candidate.name));
      if (written) reasons.push(...this.check(field.type, written.type, fieldPath));
      else if (field.defaultValue() === undefined) {
        reasons.push(`READER_FIELD_MISSING_DEFAULT_VALUE at ${fieldPath}: the reader's field '${field.name}' has no default and the writer has no such field`);
      }
    }
    // Fields only the writer has are skipped by the reader.
    return reasons;
  }
}

function enumReasons(reader: avro.types.EnumType, writer: avro.types.EnumType, path: string): string[] {
  const missing = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol));
  // A reader enum's `default` stands in for symbols it does not know (Avro 1.9+).
  const fallback = (reader as unknown as { default?: string }).default;
  if (missing.length === 0 || fallback !== undefined) return [];
  return [`MISSING_ENUM_SYMBOLS at ${path}: the reader's enum '${reader.name ?? ''}' lacks ${missing.join(', ')} and has no default`];
}

function describe(type: avro.Type): string {
  const t = underlying(type);
  return t.name ? `${kind(t)} '${t.name}'` : kind(t);
}

function compiled(resolved: ResolvedSchema, role: string): avro.Type | string {
  try {
    return avroType(resolved);
  } catch (error) {
    return `SCHEMA_PARSE_ERROR: the ${role}'s Avro schema does not parse: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export const avroCanRead: ReaderWriterCheck = (reader, writer) => {
  const readerType = compiled(reader, 'reader');
  const writerType = compiled(writer, 'writer');
  const failures = [readerType, writerType].filter((value): value is string => typeof value === 'string');
  if (failures.length > 0 || typeof readerType === 'string' || typeof writerType === 'string') return failures;
  return new Resolution().check(readerType, writerType, '');
};
