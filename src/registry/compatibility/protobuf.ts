import protobuf from 'protobufjs';
import { protobufSchema, type ProtobufSchema } from '../schema/protobuf.js';
import type { ReaderWriterCheck, ResolvedSchema } from './types.js';

/**
 * Protobuf compatibility after Confluent's documented list of differences: can bytes written
 * with the writer's file be read with the reader's? Messages are matched by name relative to
 * the package of the file declaring them, fields by number. Compatible: adding or removing
 * messages' fields, enums and enum values, renaming fields, wire-compatible scalar changes,
 * singular ↔ repeated for string, bytes and message fields, adding or removing a whole oneof,
 * moving one field into a new oneof or out of a oneof. Incompatible: a changed package, a
 * removed message, a changed field kind, scalar group or named type, singular ↔ repeated for
 * numbers, an added or removed required field, a field dropped from a oneof that survives, and
 * fields the writer sets independently that meet in one oneof of the reader.
 */

const { Type, Enum, MapField } = protobuf;
type Field = protobuf.Field;
type MessageType = protobuf.Type;

/** Scalar types that share an encoding, so one reads what another wrote (protobuf's "Updating a message type"). Enums travel as varints. */
const WIRE_GROUPS: readonly (readonly string[])[] = [
  ['int32', 'uint32', 'int64', 'uint64', 'bool', 'enum'],
  ['sint32', 'sint64'],
  ['fixed32', 'sfixed32'],
  ['fixed64', 'sfixed64'],
  ['float'],
  ['double'],
  ['string', 'bytes'],
];
const STRING_OR_BYTES = ['string', 'bytes'];

const groupOf = (type: string) => WIRE_GROUPS.findIndex((group) => group.includes(type));

interface Side {
  schema: ProtobufSchema;
  /** The package of the file's own declarations. */
  pkg: string;
  /** Full name (no leading dot) of every type the file and its references declare → the package of its file. */
  packages: Map<string, string>;
}

/** A type's name inside its own file's package: the same type moved to another package (or into an import) keeps it. */
function localName(side: Side, type: protobuf.ReflectionObject): string {
  const full = type.fullName.replace(/^\./, '');
  const pkg = side.packages.get(full) ?? '';
  return pkg && full.startsWith(`${pkg}.`) ? full.slice(pkg.length + 1) : full;
}

/** A oneof protobufjs synthesizes for a proto3 `optional` field is presence tracking, not a oneof. */
function realOneof(field: Field): protobuf.OneOf | null {
  const oneof = field.partOf;
  if (!oneof) return null;
  return oneof.fieldsArray.every((member) => member.options?.proto3_optional === true) ? null : oneof;
}

type Kind = { kind: 'scalar'; type: string } | { kind: 'message'; type: MessageType } | { kind: 'map'; key: string; value: Kind };

/** Confluent's kinds: an enum is a scalar (a varint); a map is neither a message nor a repeated field. */
function kindOf(field: Field): Kind {
  const value: Kind =
    field.resolvedType instanceof Type
      ? { kind: 'message', type: field.resolvedType }
      : { kind: 'scalar', type: field.resolvedType instanceof Enum ? 'enum' : field.type };
  return field instanceof MapField ? { kind: 'map', key: field.keyType, value } : value;
}

function describeKind(side: Side, kind: Kind): string {
  if (kind.kind === 'scalar') return kind.type;
  if (kind.kind === 'map') return `map<${kind.key}, ${describeKind(side, kind.value)}>`;
  return `message ${localName(side, kind.type)}`;
}

const label = (field: Field) => (field.repeated ? 'repeated' : 'singular');

/** Which fields the writer may set together: a real oneof's members are one group, every other field its own. */
const groupName = (field: Field) => realOneof(field)?.name ?? `#${field.id}`;

class FileComparison {
  /** Message pairs under comparison: a recursive message met again is assumed compatible (the first visit decides). */
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly reader: Side,
    private readonly writer: Side,
  ) {}

  /** Every message the writer declares (at this level) must still be declared by the reader, and read what it wrote. */
  declarations(readerDeclarations: protobuf.ReflectionObject[], writerDeclarations: protobuf.ReflectionObject[], path: string): string[] {
    const reasons: string[] = [];
    for (const written of writerDeclarations) {
      if (!(written instanceof Type)) continue;
      const read = readerDeclarations.find((candidate) => candidate instanceof Type && candidate.name === written.name);
      const at = path ? `${path}.${written.name}` : written.name;
      if (read instanceof Type) reasons.push(...this.messages(read, written, at));
      else reasons.push(`MESSAGE_REMOVED at ${at}: the reader has no message '${localName(this.writer, written)}' (removed or renamed)`);
    }
    return reasons;
  }

  private messages(readerType: MessageType, writerType: MessageType, path: string): string[] {
    const key = `${readerType.fullName}\u0000${writerType.fullName}`;
    if (this.inProgress.has(key)) return [];
    this.inProgress.add(key);
    try {
      return [
        ...this.fields(readerType, writerType, path),
        ...this.oneofs(readerType, writerType, path),
        ...this.declarations(readerType.nestedArray, writerType.nestedArray, path),
      ];
    } finally {
      this.inProgress.delete(key);
    }
  }

  private fields(readerType: MessageType, writerType: MessageType, path: string): string[] {
    const reasons: string[] = [];
    for (const written of writerType.fieldsArray) {
      const read = readerType.fieldsArray.find((candidate) => candidate.id === written.id);
      const at = `${path}.${(read ?? written).name} (#${written.id})`;
      if (read) reasons.push(...this.field(read, written, at));
      else reasons.push(...this.removed(readerType, written, at));
    }
    for (const read of readerType.fieldsArray) {
      if (read.required && !writerType.fieldsArray.some((candidate) => candidate.id === read.id)) {
        reasons.push(`REQUIRED_FIELD_ADDED at ${path}.${read.name} (#${read.id}): the reader requires a field the writer never writes`);
      }
    }
    return reasons;
  }

  /** A field only the writer has: the reader skips it, unless it was required or the oneof it belonged to lives on. */
  private removed(readerType: MessageType, written: Field, at: string): string[] {
    if (written.required) return [`REQUIRED_FIELD_REMOVED at ${at}: the writer's required field is gone from the reader`];
    const oneof = realOneof(written);
    const survives = oneof?.fieldsArray.some((member) => readerType.fieldsArray.some((candidate) => candidate.id === member.id)) ?? false;
    return survives
      ? [`ONEOF_FIELD_REMOVED at ${at}: the reader lost a member of the writer's oneof '${oneof?.name ?? ''}', whose other members it still reads`]
      : [];
  }

  private field(read: Field, written: Field, at: string): string[] {
    const labelChange = label(read) === label(written) ? '' : `${label(written)} in the writer, ${label(read)} in the reader`;
    const reasons = this.kinds(kindOf(read), kindOf(written), labelChange, at);
    if (read.required && !written.required) reasons.push(`REQUIRED_FIELD_ADDED at ${at}: the reader requires a field the writer may omit`);
    return reasons;
  }

  /** `labelChanged` describes a singular ↔ repeated change of the field, if any. */
  private kinds(read: Kind, written: Kind, labelChanged: string, at: string): string[] {
    const change = `${describeKind(this.writer, written)} in the writer, ${describeKind(this.reader, read)} in the reader`;
    if (read.kind !== written.kind) return [`FIELD_KIND_CHANGED at ${at}: ${change}`];
    if (read.kind === 'map' && written.kind === 'map') {
      const keys = this.kinds({ kind: 'scalar', type: read.key }, { kind: 'scalar', type: written.key }, '', `${at} key`);
      return [...keys, ...this.kinds(read.value, written.value, '', `${at} value`)];
    }
    if (read.kind === 'message' && written.kind === 'message') {
      const readName = localName(this.reader, read.type);
      const writtenName = localName(this.writer, written.type);
      // Singular ↔ repeated is safe for messages: a singular reader merges the repeated elements.
      if (readName !== writtenName) return [`FIELD_NAMED_TYPE_CHANGED at ${at}: ${change}`];
      return this.messages(read.type, written.type, readName);
    }
    if (read.kind === 'scalar' && written.kind === 'scalar') {
      const group = groupOf(read.type);
      if (group !== groupOf(written.type)) return [`FIELD_SCALAR_KIND_CHANGED at ${at}: ${change}`];
      // A repeated number may be packed (one length-delimited record), which a singular reader cannot parse; strings and bytes are never packed.
      if (labelChanged && !STRING_OR_BYTES.includes(read.type)) return [`FIELD_NUMERIC_LABEL_CHANGED at ${at}: ${labelChanged}`];
    }
    return [];
  }

  /**
   * Fields the writer may set together must not meet in one oneof of the reader (it would keep
   * only the last). One field moved into a new oneof is safe; several, or one joining members
   * of a writer's oneof, are not. New fields are ignored: the writer never sets them.
   */
  private oneofs(readerType: MessageType, writerType: MessageType, path: string): string[] {
    const reasons: string[] = [];
    for (const oneof of readerType.oneofsArray) {
      const members = oneof.fieldsArray.filter((field) => realOneof(field) === oneof);
      const written = members.flatMap((field) => writerType.fieldsArray.filter((candidate) => candidate.id === field.id));
      const groups = new Set(written.map(groupName));
      if (groups.size <= 1) continue;
      const movedIn = written.filter((field) => !realOneof(field)).map((field) => `#${field.id}`);
      reasons.push(
        movedIn.length > 1
          ? `MULTIPLE_FIELDS_MOVED_TO_ONEOF at ${path}.${oneof.name}: fields the writer sets independently (${movedIn.join(', ')}) were moved into one oneof`
          : `FIELD_MOVED_TO_EXISTING_ONEOF at ${path}.${oneof.name}: fields the writer may set together (${[...groups].join(', ')}) now share one oneof`,
      );
    }
    return reasons;
  }
}

/** Every type a file declares (messages and enums, nested too) → the file's package. */
function declaredPackages(text: string, into: Map<string, string>): void {
  const parsed = protobuf.parse(text, new protobuf.Root(), { keepCase: true, alternateCommentMode: false });
  const pkg = parsed.package ?? '';
  const visit = (object: protobuf.ReflectionObject) => {
    if (object instanceof Type || object instanceof Enum) into.set(object.fullName.slice(1), pkg);
    if (object instanceof protobuf.Namespace) object.nestedArray.forEach(visit);
  };
  visit(parsed.root);
}

function compiled(resolved: ResolvedSchema, role: string): Side | string {
  try {
    const schema = protobufSchema(resolved, true);
    const packages = new Map<string, string>();
    for (const reference of resolved.references) declaredPackages(reference.schema, packages);
    declaredPackages(resolved.schema, packages);
    const pkg = protobuf.parse(resolved.schema, new protobuf.Root(), { keepCase: true, alternateCommentMode: false }).package ?? '';
    return { schema, pkg, packages };
  } catch (error) {
    return `SCHEMA_PARSE_ERROR: the ${role}'s Protobuf schema does not parse: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The file's own top-level messages (inside its package). */
function ownMessages(side: Side): protobuf.ReflectionObject[] {
  return side.schema.messages.map((name) => side.schema.root.lookupType(name));
}

export const protobufCanRead: ReaderWriterCheck = (reader, writer) => {
  const readerSide = compiled(reader, 'reader');
  const writerSide = compiled(writer, 'writer');
  if (typeof readerSide === 'string' || typeof writerSide === 'string')
    return [readerSide, writerSide].filter((value): value is string => typeof value === 'string');
  const reasons: string[] = [];
  if (readerSide.pkg !== writerSide.pkg) reasons.push(`PACKAGE_CHANGED: the writer's package '${writerSide.pkg}' is '${readerSide.pkg}' in the reader`);
  reasons.push(...new FileComparison(readerSide, writerSide).declarations(ownMessages(readerSide), ownMessages(writerSide), ''));
  // A nested message is met both as a declaration and as a field's type.
  return [...new Set(reasons)];
};
