/** Avro cases, from the Avro specification's "Schema Resolution" section. */
import type { CompatibilityCase } from './case.js';

type Field = { name: string; type: unknown; default?: unknown; aliases?: string[] };

const record = (fields: Field[], extra: object = {}) => JSON.stringify({ type: 'record', name: 'User', namespace: 'com.example', fields, ...extra });
const name: Field = { name: 'name', type: 'string' };
const withField = (field: Field) => record([name, field]);
const single = (type: unknown) => record([{ name: 'value', type }]);
const suit = (symbols: string[], extra: object = {}) => single({ type: 'enum', name: 'Suit', symbols, ...extra });

const address = (fields: Field[]) => JSON.stringify({ type: 'record', name: 'Address', namespace: 'com.example', fields });
const withAddress = (addressFields: Field[]) => ({
  schema: record([name, { name: 'address', type: 'com.example.Address' }]),
  references: [{ name: 'com.example.Address', schema: address(addressFields) }],
});
const street: Field = { name: 'street', type: 'string' };

const list = (fields: Field[]) => JSON.stringify({ type: 'record', name: 'Node', fields: [{ name: 'value', type: 'int' }, { name: 'next', type: ['null', 'Node'], default: null }, ...fields] });

export const avroCases: CompatibilityCase[] = [
  { name: 'adding a field with a default', type: 'AVRO', old: [record([name])], new: withField({ name: 'email', type: 'string', default: '' }), level: 'BACKWARD', compatible: true },
  { name: 'adding a field without a default', type: 'AVRO', old: [record([name])], new: withField({ name: 'email', type: 'string' }), level: 'BACKWARD', compatible: false },
  { name: 'adding a field without a default, read by the old schema', type: 'AVRO', old: [record([name])], new: withField({ name: 'email', type: 'string' }), level: 'FORWARD', compatible: true },
  { name: 'removing a field', type: 'AVRO', old: [withField({ name: 'email', type: 'string' })], new: record([name]), level: 'BACKWARD', compatible: true },
  { name: 'removing a field the old reader has no default for', type: 'AVRO', old: [withField({ name: 'email', type: 'string' })], new: record([name]), level: 'FORWARD', compatible: false },
  { name: 'removing a field the old reader has a default for', type: 'AVRO', old: [withField({ name: 'email', type: 'string', default: '' })], new: record([name]), level: 'FORWARD', compatible: true },
  { name: 'adding an optional field both ways', type: 'AVRO', old: [record([name])], new: withField({ name: 'email', type: ['null', 'string'], default: null }), level: 'FULL', compatible: true },
  { name: 'adding a field without a default both ways', type: 'AVRO', old: [record([name])], new: withField({ name: 'email', type: 'string' }), level: 'FULL', compatible: false },
  { name: 'promoting int to long', type: 'AVRO', old: [single('int')], new: single('long'), level: 'BACKWARD', compatible: true },
  { name: 'promoting int to double', type: 'AVRO', old: [single('int')], new: single('double'), level: 'BACKWARD', compatible: true },
  { name: 'promoting long to float', type: 'AVRO', old: [single('long')], new: single('float'), level: 'BACKWARD', compatible: true },
  { name: 'promoting float to double', type: 'AVRO', old: [single('float')], new: single('double'), level: 'BACKWARD', compatible: true },
  { name: 'demoting long to int', type: 'AVRO', old: [single('long')], new: single('int'), level: 'BACKWARD', compatible: false },
  { name: 'demoting double to float', type: 'AVRO', old: [single('double')], new: single('float'), level: 'BACKWARD', compatible: false },
  { name: 'promoting int to long both ways', type: 'AVRO', old: [single('int')], new: single('long'), level: 'FULL', compatible: false },
  { name: 'string and bytes both ways', type: 'AVRO', old: [single('string')], new: single('bytes'), level: 'FULL', compatible: true },
  { name: 'changing string to int', type: 'AVRO', old: [single('string')], new: single('int'), level: 'BACKWARD', compatible: false },
  { name: 'adding an enum symbol', type: 'AVRO', old: [suit(['HEARTS', 'SPADES'])], new: suit(['HEARTS', 'SPADES', 'CLUBS']), level: 'BACKWARD', compatible: true },
  { name: 'removing an enum symbol', type: 'AVRO', old: [suit(['HEARTS', 'SPADES', 'CLUBS'])], new: suit(['HEARTS', 'SPADES']), level: 'BACKWARD', compatible: false },
  { name: 'removing an enum symbol when the reader has an enum default', type: 'AVRO', old: [suit(['HEARTS', 'SPADES', 'CLUBS'])], new: suit(['UNKNOWN', 'HEARTS', 'SPADES'], { default: 'UNKNOWN' }), level: 'BACKWARD', compatible: true },
  { name: 'adding an enum symbol an old reader without a default cannot read', type: 'AVRO', old: [suit(['HEARTS', 'SPADES'])], new: suit(['HEARTS', 'SPADES', 'CLUBS']), level: 'FORWARD', compatible: false },
  { name: 'renaming an enum', type: 'AVRO', old: [suit(['HEARTS'])], new: single({ type: 'enum', name: 'Colour', symbols: ['HEARTS'] }), level: 'BACKWARD', compatible: false },
  { name: 'changing the size of a fixed', type: 'AVRO', old: [single({ type: 'fixed', name: 'Hash', size: 16 })], new: single({ type: 'fixed', name: 'Hash', size: 32 }), level: 'BACKWARD', compatible: false },
  { name: 'renaming a fixed', type: 'AVRO', old: [single({ type: 'fixed', name: 'Hash', size: 16 })], new: single({ type: 'fixed', name: 'Digest', size: 16 }), level: 'BACKWARD', compatible: false },
  { name: 'renaming a fixed with the old name as an alias', type: 'AVRO', old: [single({ type: 'fixed', name: 'Hash', size: 16 })], new: single({ type: 'fixed', name: 'Digest', size: 16, aliases: ['Hash'] }), level: 'BACKWARD', compatible: true },
  { name: 'promoting array items', type: 'AVRO', old: [single({ type: 'array', items: 'int' })], new: single({ type: 'array', items: 'long' }), level: 'BACKWARD', compatible: true },
  { name: 'changing map values to an unreadable type', type: 'AVRO', old: [single({ type: 'map', values: 'string' })], new: single({ type: 'map', values: 'int' }), level: 'BACKWARD', compatible: false },
  { name: 'an array where there was a map', type: 'AVRO', old: [single({ type: 'map', values: 'string' })], new: single({ type: 'array', items: 'string' }), level: 'BACKWARD', compatible: false },
  { name: 'making a field nullable (a union that has the written type)', type: 'AVRO', old: [single('string')], new: single(['null', 'string']), level: 'BACKWARD', compatible: true },
  { name: 'a union reading an int through a promotion', type: 'AVRO', old: [single('int')], new: single(['null', 'long']), level: 'BACKWARD', compatible: true },
  { name: 'making a nullable field required', type: 'AVRO', old: [single(['null', 'string'])], new: single('string'), level: 'BACKWARD', compatible: false },
  { name: 'adding a union branch', type: 'AVRO', old: [single(['null', 'string'])], new: single(['null', 'string', 'int']), level: 'BACKWARD', compatible: true },
  { name: 'adding a union branch an old reader lacks', type: 'AVRO', old: [single(['null', 'string'])], new: single(['null', 'string', 'int']), level: 'FORWARD', compatible: false },
  { name: 'renaming a record', type: 'AVRO', old: [record([name])], new: record([name], { name: 'Person' }), level: 'BACKWARD', compatible: false },
  { name: 'renaming a record with the old full name as an alias', type: 'AVRO', old: [record([name])], new: record([name], { name: 'Person', aliases: ['com.example.User'] }), level: 'BACKWARD', compatible: true },
  { name: 'moving a record to another namespace (names match unqualified)', type: 'AVRO', old: [record([name])], new: record([name], { namespace: 'org.example' }), level: 'BACKWARD', compatible: true },
  { name: 'renaming a field with the old name as an alias', type: 'AVRO', old: [record([name])], new: record([{ name: 'fullName', type: 'string', aliases: ['name'] }]), level: 'BACKWARD', compatible: true },
  { name: 'renaming a field without an alias or default', type: 'AVRO', old: [record([name])], new: record([{ name: 'fullName', type: 'string' }]), level: 'BACKWARD', compatible: false },
  { name: 'renaming a field with an alias, read by the old schema (aliases are the reader\'s)', type: 'AVRO', old: [record([name])], new: record([{ name: 'fullName', type: 'string', aliases: ['name'] }]), level: 'FORWARD', compatible: false },
  { name: 'renaming a record with an alias of another namespace', type: 'AVRO', old: [record([name])], new: record([name], { name: 'Person', aliases: ['org.example.User'] }), level: 'BACKWARD', compatible: false },
  { name: 'a union replaced by a type that reads every branch', type: 'AVRO', old: [single(['int', 'float'])], new: single('double'), level: 'BACKWARD', compatible: true },
  { name: 'a union replaced by a type that does not read the null branch', type: 'AVRO', old: [single(['null', 'long'])], new: single('long'), level: 'BACKWARD', compatible: false },
  { name: 'bytes to string', type: 'AVRO', old: [single('bytes')], new: single('string'), level: 'BACKWARD', compatible: true },
  { name: 'a logical type over the same underlying type', type: 'AVRO', old: [single('long')], new: single({ type: 'long', logicalType: 'timestamp-millis' }), level: 'FULL', compatible: true },
  { name: 'adding an enum symbol an old reader with an enum default reads', type: 'AVRO', old: [suit(['UNKNOWN', 'HEARTS'], { default: 'UNKNOWN' })], new: suit(['UNKNOWN', 'HEARTS', 'CLUBS'], { default: 'UNKNOWN' }), level: 'FULL', compatible: true },
  {
    name: 'adding a field without a default to a nested record', type: 'AVRO',
    old: [single({ type: 'record', name: 'Inner', fields: [{ name: 'a', type: 'int' }] })],
    new: single({ type: 'record', name: 'Inner', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }] }),
    level: 'BACKWARD', compatible: false,
  },
  { name: 'adding a field with a default to a recursive record', type: 'AVRO', old: [list([])], new: list([{ name: 'label', type: 'string', default: '' }]), level: 'FULL', compatible: true },
  { name: 'adding a field without a default to a recursive record', type: 'AVRO', old: [list([])], new: list([{ name: 'label', type: 'string' }]), level: 'BACKWARD', compatible: false },
  { name: 'changing a field in a referenced record', type: 'AVRO', old: [withAddress([street])], new: withAddress([street, { name: 'zip', type: 'string' }]), level: 'BACKWARD', compatible: false },
  { name: 'adding a field with a default in a referenced record', type: 'AVRO', old: [withAddress([street])], new: withAddress([street, { name: 'zip', type: 'string', default: '' }]), level: 'FULL', compatible: true },
  { name: 'anything under NONE', type: 'AVRO', old: [single('string')], new: single('int'), level: 'NONE', compatible: true },
  // v2 added `email` with a default, v3 drops the default: v3 reads v2's data, not v1's.
  {
    name: 'dropping the default of a field the first version lacks (latest only)', type: 'AVRO',
    old: [record([name]), withField({ name: 'email', type: 'string', default: '' })], new: withField({ name: 'email', type: 'string' }),
    level: 'BACKWARD', compatible: true,
  },
  {
    name: 'dropping the default of a field the first version lacks (all versions)', type: 'AVRO',
    old: [record([name]), withField({ name: 'email', type: 'string', default: '' })], new: withField({ name: 'email', type: 'string' }),
    level: 'BACKWARD_TRANSITIVE', compatible: false,
  },
  // v1 readers need `age` without a default; v2 readers have a default for it; v3 removes it.
  {
    name: 'removing a field only the latest reader has a default for (latest only)', type: 'AVRO',
    old: [withField({ name: 'age', type: 'int' }), withField({ name: 'age', type: 'int', default: 0 })], new: record([name]),
    level: 'FORWARD', compatible: true,
  },
  {
    name: 'removing a field only the latest reader has a default for (all versions)', type: 'AVRO',
    old: [withField({ name: 'age', type: 'int' }), withField({ name: 'age', type: 'int', default: 0 })], new: record([name]),
    level: 'FORWARD_TRANSITIVE', compatible: false,
  },
  // v1 had email as a string, v2 dropped it, v3 brings it back as an int.
  {
    name: 'reintroducing a removed field with another type (latest only)', type: 'AVRO',
    old: [withField({ name: 'email', type: 'string', default: '' }), record([name])], new: withField({ name: 'email', type: 'int', default: 0 }),
    level: 'FULL', compatible: true,
  },
  {
    name: 'reintroducing a removed field with another type (all versions)', type: 'AVRO',
    old: [withField({ name: 'email', type: 'string', default: '' }), record([name])], new: withField({ name: 'email', type: 'int', default: 0 }),
    level: 'FULL_TRANSITIVE', compatible: false,
  },
];
