import protobuf from 'protobufjs';
import { protobufSchema, type ProtobufSchema } from '../schema/protobuf.js';
import type { ReaderWriterCheck, ResolvedSchema } from './types.js';

/**
 * Protobuf compatibility in the spirit of Confluent's documented rules: can bytes written with
 * the writer's messages be read with the reader's? Messages are matched by name (relative to
 * each file's package), fields by number. Adding and removing fields, enum values and messages
 * is fine; removing or renaming a message, changing the package, changing a field's wire
 * type, label or named type, or regrouping existing fields into oneofs is not.
 */

const { Type, Enum, MapField } = protobuf;
type Field = protobuf.Field;
type MessageType = protobuf.Type;

/** Scalar types that share an encoding, so one reads what another wrote. Enums travel as varints too. */
const WIRE_GROUPS: readonly (readonly string[])[] = [
  ['int32', 'uint32', 'int64', 'uint64', 'bool', 'enum'],
  ['sint32', 'sint64'],
  ['fixed32', 'sfixed32'],
  ['fixed64', 'sfixed64'],
  ['string', 'bytes'],
];

const groupOf = (type: string) => WIRE_GROUPS.findIndex((group) => group.includes(type));

interface Side {
  schema: ProtobufSchema;
  pkg: string;
}

/** A type's name without its file's package, so a package change is reported once, not for every message. */
function relativeName(side: Side, type: protobuf.ReflectionObject): string {
  const full = type.fullName.replace(/^\./, '');
  return side.pkg && full.startsWith(`${side.pkg}.`) ? full.slice(side.pkg.length + 1) : full;
}

/** A oneof protobufjs synthesizes for a proto3 `optional` field is presence tracking, not a oneof. */
function realOneof(field: Field): protobuf.OneOf | null {
  const oneof = field.partOf;
  if (!oneof) return null;
  return oneof.fieldsArray.every((member) => member.options?.proto3_optional === true) ? null : oneof;
}

type Kind = { kind: 'scalar'; type: string } | { kind: 'enum'; type: protobuf.Enum } | { kind: 'message'; type: MessageType } | { kind: 'map'; key: string; value: Kind };

function kindOf(field: Field): Kind {
  const value: Kind = field.resolvedType instanceof Type
    ? { kind: 'message', type: field.resolvedType }
    : field.resolvedType instanceof Enum
      ? { kind: 'enum', type: field.resolvedType }
      : { kind: 'scalar', type: field.type };
  return field instanceof MapField ? { kind: 'map', key: field.keyType, value } : value;
}

function describeKind(side: Side, kind: Kind): string {
  if (kind.kind === 'scalar') return kind.type;
  if (kind.kind === 'map') return `map<${kind.key}, ${describeKind(side, kind.value)}>`;
  return `${kind.kind} ${relativeName(side, kind.type)}`;
}

const label = (field: Field) => (field.repeated ? 'repeated' : field.required ? 'required' : 'singular');

class MessageComparison {
  /** Message pairs under comparison: a recursive message met again is assumed compatible (the first visit decides). */
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly reader: Side,
    private readonly writer: Side,
  ) {}

  messages(readerType: MessageType, writerType: MessageType, path: string): string[] {
    const key = `${readerType.fullName}\u0000${writerType.fullName}`;
    if (this.inProgress.has(key)) return [];
    this.inProgress.add(key);
    try {
      return [...this.fields(readerType, writerType, path), ...this.oneofs(readerType, writerType, path), ...this.nested(readerType, writerType, path)];
    } finally {
      this.inProgress.delete(key);
    }
  }

  /** Every message the writer declares inside this one must still be there. */
  private nested(readerType: MessageType, writerType: MessageType, path: string): string[] {
    return this.sameMessages(readerType.nestedArray, writerType.nestedArray, path);
  }

  sameMessages(readerDeclarations: protobuf.ReflectionObject[], writerDeclarations: protobuf.ReflectionObject[], path: string): string[] {
    const reasons: string[] = [];
    for (const written of writerDeclarations) {
      if (!(written instanceof Type)) continue;
      const read = readerDeclarations.find((candidate) => candidate instanceof Type && candidate.name === written.name);
      const at = path ? `${path}.${written.name}` : written.name;
      if (read instanceof Type) reasons.push(...this.messages(read, written, at));
      else reasons.push(`MESSAGE_REMOVED at ${at}: the reader has no message '${relativeName(this.writer, written)}' (removed or renamed)`);
    }
    return reasons;
  }

  private fields(readerType: MessageType, writerType: MessageType, path: string): string[] {
    const reasons: string[] = [];
    for (const read of readerType.fieldsArray) {
      const written = writerType.fieldsArray.find((candidate) => candidate.id === read.id);
      const at = `${path}.${read.name} (#${read.id})`;
      if (!written) {
        if (read.required) reasons.push(`REQUIRED_FIELD_ADDED at ${at}: the reader requires a field the writer never writes`);
        continue;
      }
      if (label(read) !== label(written)) {
        if (read.repeated || written.repeated) reasons.push(`FIELD_LABEL_CHANGED at ${at}: ${label(written)} in the writer, ${label(read)} in the reader`);
        else if (read.required) reasons.push(`REQUIRED_FIELD_ADDED at ${at}: the reader requires a field the writer may omit`);
      }
      reasons.push(...this.kinds(kindOf(read), kindOf(written), at));
      const writerOneof = realOneof(written);
      if (writerOneof && !realOneof(read) && readerType.oneofsArray.some((oneof) => oneof.name === writerOneof.name)) {
        reasons.push(`FIELD_MOVED_OUT_OF_ONEOF at ${at}: the field left the oneof '${writerOneof.name}' that the reader still has`);
      }
    }
    return reasons;
  }

  private kinds(read: Kind, written: Kind, at: string): string[] {
    if (read.kind === 'map' || written.kind === 'map') {
      if (read.kind !== 'map' || written.kind !== 'map') return [`FIELD_KIND_CHANGED at ${at}: ${describeKind(this.writer, written)} in the writer, ${describeKind(this.reader, read)} in the reader`];
      return read.key === written.key ? this.kinds(read.value, written.value, `${at} value`) : [`FIELD_SCALAR_KIND_CHANGED at ${at}: map key ${written.key} in the writer, ${read.key} in the reader`];
    }
    if (read.kind === 'message' || written.kind === 'message') {
      if (read.kind !== 'message' || written.kind !== 'message') return [`FIELD_KIND_CHANGED at ${at}: ${describeKind(this.writer, written)} in the writer, ${describeKind(this.reader, read)} in the reader`];
      const readName = relativeName(this.reader, read.type);
      const writtenName = relativeName(this.writer, written.type);
      if (readName !== writtenName) return [`FIELD_NAMED_TYPE_CHANGED at ${at}: message ${writtenName} in the writer, ${readName} in the reader`];
      return this.messages(read.type, written.type, readName);
    }
    if (read.kind === 'enum' && written.kind === 'enum') {
      const readName = relativeName(this.reader, read.type);
      const writtenName = relativeName(this.writer, written.type);
      return readName === writtenName ? [] : [`FIELD_NAMED_TYPE_CHANGED at ${at}: enum ${writtenName} in the writer, ${readName} in the reader`];
    }
    const readScalar = read.kind === 'enum' ? 'enum' : read.type;
    const writtenScalar = written.kind === 'enum' ? 'enum' : written.type;
    if (readScalar === writtenScalar) return [];
    const group = groupOf(readScalar);
    if (group >= 0 && group === groupOf(writtenScalar)) return [];
    return [`FIELD_SCALAR_KIND_CHANGED at ${at}: ${describeKind(this.writer, written)} in the writer, ${describeKind(this.reader, read)} in the reader`];
  }

  /**
   * Fields the writer may set together must not meet in one oneof of the reader (the reader would
   * keep only the last). One plain field moved into a new oneof is safe; several, or one moved
   * into a oneof that already had fields, are not.
   */
  private oneofs(readerType: MessageType, writerType: MessageType, path: string): string[] {
    const reasons: string[] = [];
    for (const oneof of readerType.oneofsArray) {
      const members = oneof.fieldsArray.filter((field) => realOneof(field) === oneof);
      const written = members.map((field) => writerType.fieldsArray.find((candidate) => candidate.id === field.id)).filter((field): field is Field => field !== undefined);
      const sources = new Set(written.map((field) => realOneof(field)?.name ?? `field ${field.id}`));
      if (sources.size <= 1) continue;
      const existing = writerType.oneofsArray.some((candidate) => candidate.name === oneof.name);
      const numbers = written.filter((field) => !realOneof(field)).map((field) => `#${field.id}`).join(', ');
      reasons.push(existing
        ? `FIELD_MOVED_TO_EXISTING_ONEOF at ${path}.${oneof.name}: fields the writer sets independently (${numbers || 'from several oneofs'}) joined the existing oneof`
        : `MULTIPLE_FIELDS_MOVED_TO_ONEOF at ${path}.${oneof.name}: fields the writer sets independently (${numbers || 'from several oneofs'}) were moved into one new oneof`);
    }
    return reasons;
  }
}

function compiled(resolved: ResolvedSchema, role: string): Side | string {
  try {
    const schema = protobufSchema(resolved, true);
    const parsed = protobuf.parse(resolved.schema, new protobuf.Root(), { keepCase: true, alternateCommentMode: false });
    return { schema, pkg: parsed.package ?? '' };
  } catch (error) {
    return `SCHEMA_PARSE_ERROR: the ${role}'s Protobuf schema does not parse: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The top-level declarations of a file (inside its package). */
function declarations(side: Side): protobuf.ReflectionObject[] {
  return side.schema.messages.map((name) => side.schema.root.lookupType(name));
}

export const protobufCanRead: ReaderWriterCheck = (reader, writer) => {
  const readerSide = compiled(reader, 'reader');
  const writerSide = compiled(writer, 'writer');
  if (typeof readerSide === 'string' || typeof writerSide === 'string') return [readerSide, writerSide].filter((value): value is string => typeof value === 'string');
  const reasons: string[] = [];
  if (readerSide.pkg !== writerSide.pkg) reasons.push(`PACKAGE_CHANGED: the writer's package '${writerSide.pkg}' is '${readerSide.pkg}' in the reader`);
  reasons.push(...new MessageComparison(readerSide, writerSide).sameMessages(declarations(readerSide), declarations(writerSide), ''));
  // A nested message is met both as a declaration and as a field's type.
  return [...new Set(reasons)];
};
