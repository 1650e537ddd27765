import avro from 'avsc';
import { avroType } from '../schema/avro.js';
import type { ReaderWriterCheck, ResolvedSchema } from './types.js';

/**
 * Avro schema resolution (Avro specification, "Schema Resolution"): can data written with the
 * writer's schema be read with the reader's? Reasons carry the error types of Avro's Java
 * SchemaCompatibility (which Confluent reports) and its path in the reader's schema:
 * `/fields/<position>/type`, `/items`, `/values`, `/<writer union branch>`, `/name`, `/size`, `/symbols`.
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

function describe(type: avro.Type): string {
  const t = underlying(type);
  return t.name ? `${kind(t)} '${t.name}'` : kind(t);
}

/**
 * A reader's named type reads a writer's one with the same unqualified name (the
 * specification's rule), or one whose full name is among the reader's aliases (avsc qualifies them).
 */
function namesMatch(reader: avro.Type, writer: avro.Type): boolean {
  const writerName = writer.name ?? '';
  return shortName(reader.name ?? '') === shortName(writerName) || (reader.aliases ?? []).includes(writerName);
}

/** The writer's field a reader's field reads: the one of the same name, else one named by the reader field's aliases. */
function writerField(writer: avro.types.RecordType, field: avro.types.Field): avro.types.Field | undefined {
  return writer.fields.find((candidate) => candidate.name === field.name) ?? writer.fields.find((candidate) => (field.aliases ?? []).includes(candidate.name));
}

/** A reader enum's `default` (Avro 1.9+) stands in for symbols it does not know; avsc keeps it but does not declare it. */
const enumDefault = (type: avro.types.EnumType) => (type as unknown as { default?: string }).default;

class Resolution {
  /** Named-type pairs under check: a recursive type met again is assumed to resolve (the first visit decides). */
  private readonly inProgress = new Set<string>();

  check(reader: avro.Type, writer: avro.Type, path: string): string[] {
    const r = underlying(reader);
    const w = underlying(writer);
    const writerBranches = branches(w);
    // Every branch the writer may have written must be readable.
    if (writerBranches) return writerBranches.flatMap((branch, index) => this.check(r, branch, `${path}/${index}`));
    const readerBranches = branches(r);
    if (readerBranches) {
      if (readerBranches.some((branch) => this.check(branch, w, path).length === 0)) return [];
      return [`MISSING_UNION_BRANCH at ${path || '/'}: no branch of the reader's union reads the writer's ${describe(w)}`];
    }
    return this.checkSame(r, w, path);
  }

  private checkSame(reader: avro.Type, writer: avro.Type, path: string): string[] {
    const readerKind = kind(reader);
    const writerKind = kind(writer);
    if (readerKind !== writerKind) {
      if (PROMOTIONS[writerKind]?.includes(readerKind)) return [];
      return [`TYPE_MISMATCH at ${path || '/'}: the reader's ${describe(reader)} cannot read the writer's ${describe(writer)}`];
    }
    if (reader.name !== undefined && !namesMatch(reader, writer)) {
      return [`NAME_MISMATCH at ${path}/name: expected the writer's ${writerKind} '${writer.name ?? ''}', the reader's is '${reader.name}'`];
    }
    if (reader instanceof ArrayType && writer instanceof ArrayType) return this.check(reader.itemsType, writer.itemsType, `${path}/items`);
    if (reader instanceof MapType && writer instanceof MapType)
      return this.check(reader.valuesType as avro.Type, writer.valuesType as avro.Type, `${path}/values`);
    if (reader instanceof FixedType && writer instanceof FixedType) {
      return reader.size === writer.size
        ? []
        : [`FIXED_SIZE_MISMATCH at ${path}/size: expected the writer's size ${writer.size}, the reader's is ${reader.size}`];
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

  /** Each reader field reads the writer's field or takes its default; fields only the writer has are skipped. */
  private recordReasons(reader: avro.types.RecordType, writer: avro.types.RecordType, path: string): string[] {
    return reader.fields.flatMap((field, position) => {
      const fieldPath = `${path}/fields/${position}`;
      const written = writerField(writer, field);
      if (written) return this.check(field.type, written.type, `${fieldPath}/type`);
      if (field.defaultValue() !== undefined) return [];
      return [`READER_FIELD_MISSING_DEFAULT_VALUE at ${fieldPath} '${field.name}': the reader's field has no default value and the writer has no such field`];
    });
  }
}

function enumReasons(reader: avro.types.EnumType, writer: avro.types.EnumType, path: string): string[] {
  const missing = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol));
  if (missing.length === 0 || enumDefault(reader) !== undefined) return [];
  return [`MISSING_ENUM_SYMBOLS at ${path}: the reader's enum '${reader.name ?? ''}' lacks the writer's ${missing.join(', ')} and has no default`];
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
  if (typeof readerType === 'string' || typeof writerType === 'string')
    return [readerType, writerType].filter((value): value is string => typeof value === 'string');
  return new Resolution().check(readerType, writerType, '');
};
