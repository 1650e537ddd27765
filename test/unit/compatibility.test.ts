/**
 * Schema compatibility, table-driven: each case is a subject's versions, a new schema, a level
 * and the verdict, run through the registry's own level logic with the format's checker.
 */
import { describe, expect, it } from 'vitest';
import { avroCanRead } from '../../src/registry/compatibility/avro.js';
import { jsonSchemaCanRead } from '../../src/registry/compatibility/json-schema.js';
import { protobufCanRead } from '../../src/registry/compatibility/protobuf.js';
import { parseSchema } from '../../src/registry/schema/parse.js';
import {
  checkCompatibility,
  COMPATIBILITY_LEVELS,
  type ReaderWriterCheck,
  type ResolvedSchema,
  type SchemaType,
} from '../../src/registry/compatibility/types.js';
import { avroCases } from './compatibility-cases/avro.js';
import type { CompatibilityCase, SchemaWithReferences } from './compatibility-cases/case.js';
import { jsonSchemaCases } from './compatibility-cases/json-schema.js';
import { protobufCases } from './compatibility-cases/protobuf.js';

const CHECKERS: Record<SchemaType, ReaderWriterCheck> = { AVRO: avroCanRead, PROTOBUF: protobufCanRead, JSON: jsonSchemaCanRead };

const resolved = (schemaType: SchemaType, schema: string | SchemaWithReferences): ResolvedSchema =>
  typeof schema === 'string' ? { schemaType, schema, references: [] } : { schemaType, ...schema };

const reasonsFor = (row: CompatibilityCase) =>
  checkCompatibility(
    row.level,
    resolved(row.type, row.new),
    row.old.map((schema) => resolved(row.type, schema)),
    CHECKERS[row.type],
  );

const verdict = (compatible: boolean) => (compatible ? 'compatible' : 'incompatible');

describe.each([
  ['Avro', avroCases],
  ['Protobuf', protobufCases],
  ['JSON Schema', jsonSchemaCases],
])('%s compatibility', (_format, cases) => {
  it.each(cases.map((row) => [row.name, row.level, verdict(row.compatible), row] as const))('%s under %s is %s', (_name, _level, _verdict, row) => {
    const reasons = reasonsFor(row);
    if (row.compatible) expect(reasons).toEqual([]);
    else expect(reasons.length).toBeGreaterThan(0);
  });
});

describe('the compatibility table', () => {
  const all = [...avroCases, ...protobufCases, ...jsonSchemaCases];

  it('has at least 60 cases, covering every level for every format', () => {
    expect(all.length).toBeGreaterThanOrEqual(60);
    for (const type of ['AVRO', 'PROTOBUF', 'JSON'] as const) {
      const levels = new Set(all.filter((row) => row.type === type).map((row) => row.level));
      expect([...levels].sort()).toEqual([...COMPATIBILITY_LEVELS].sort());
      expect(all.some((row) => row.type === type && typeof row.new !== 'string')).toBe(true);
    }
  });

  it('has transitive cases whose verdict differs from the same case against the latest version only', () => {
    const transitive = all.filter((row) => row.level.endsWith('_TRANSITIVE') && row.old.length >= 2);
    const flipped = transitive.filter((row) => {
      const latestOnly = reasonsFor({ ...row, level: row.level.replace('_TRANSITIVE', '') as CompatibilityCase['level'] });
      return (latestOnly.length === 0) !== row.compatible;
    });
    expect(new Set(flipped.map((row) => row.type))).toEqual(new Set(['AVRO', 'PROTOBUF', 'JSON']));
    expect(new Set(flipped.map((row) => row.level))).toEqual(new Set(['BACKWARD_TRANSITIVE', 'FORWARD_TRANSITIVE', 'FULL_TRANSITIVE']));
  });
});

describe('reasons', () => {
  const avroRecord = (fields: object[]) => resolved('AVRO', JSON.stringify({ type: 'record', name: 'User', namespace: 'com.example', fields }));
  const avroValue = (type: unknown) => avroRecord([{ name: 'value', type }]);
  const proto = (body: string, pkg = 'shop') => resolved('PROTOBUF', `syntax = "proto3";\npackage ${pkg};\nmessage Order {\n${body}\n}\n`);
  const json = (schema: object) => resolved('JSON', JSON.stringify(schema));
  const cases: Array<[string, ResolvedSchema, ResolvedSchema, RegExp]> = [
    [
      'a reader field without default, by position and name',
      avroRecord([
        { name: 'name', type: 'string' },
        { name: 'email', type: 'string' },
      ]),
      avroRecord([{ name: 'name', type: 'string' }]),
      /^READER_FIELD_MISSING_DEFAULT_VALUE at \/fields\/1 'email'/,
    ],
    [
      'an unreadable field type',
      avroValue('int'),
      avroValue('string'),
      /^TYPE_MISMATCH at \/fields\/0\/type: the reader's int cannot read the writer's string/,
    ],
    [
      'a writer union branch the reader union lacks',
      avroValue(['null', 'string']),
      avroValue(['null', 'string', 'int']),
      /^MISSING_UNION_BRANCH at \/fields\/0\/type\/2: .*int/,
    ],
    [
      'a renamed record',
      resolved('AVRO', '{"type":"record","name":"Person","fields":[]}'),
      resolved('AVRO', '{"type":"record","name":"User","fields":[]}'),
      /^NAME_MISMATCH at \/name: .*'User'/,
    ],
    [
      'a resized fixed',
      avroValue({ type: 'fixed', name: 'Hash', size: 32 }),
      avroValue({ type: 'fixed', name: 'Hash', size: 16 }),
      /^FIXED_SIZE_MISMATCH at \/fields\/0\/type\/size/,
    ],
    [
      'every missing enum symbol',
      resolved('AVRO', '{"type":"enum","name":"Suit","symbols":["A"]}'),
      resolved('AVRO', '{"type":"enum","name":"Suit","symbols":["A","B","C"]}'),
      /^MISSING_ENUM_SYMBOLS at \/symbols: .*B, C/,
    ],
    [
      'a field number with another scalar group',
      proto('  string amount = 2;'),
      proto('  int64 amount = 2;'),
      /^FIELD_SCALAR_KIND_CHANGED at Order\.amount \(#2\)/,
    ],
    ['a changed package', proto('  int64 amount = 2;', 'store'), proto('  int64 amount = 2;'), /^PACKAGE_CHANGED: .*'shop' is 'store'/],
    [
      'a removed message',
      resolved('PROTOBUF', 'syntax = "proto3";\nmessage Purchase {\n  int64 amount = 2;\n}\n'),
      resolved('PROTOBUF', 'syntax = "proto3";\nmessage Order {\n  int64 amount = 2;\n}\n'),
      /^MESSAGE_REMOVED at Order/,
    ],
    ['a number made repeated', proto('  repeated int64 amount = 2;'), proto('  int64 amount = 2;'), /^FIELD_NUMERIC_LABEL_CHANGED at Order\.amount \(#2\)/],
    [
      'fields moved into one oneof',
      proto('  oneof key {\n    string id = 1;\n    int64 amount = 2;\n  }'),
      proto('  string id = 1;\n  int64 amount = 2;'),
      /^MULTIPLE_FIELDS_MOVED_TO_ONEOF at Order\.key: .*#1, #2/,
    ],
    [
      'a required property',
      json({ type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }),
      json({ type: 'object', properties: { id: { type: 'string' } } }),
      /^REQUIRED_ATTRIBUTE_ADDED at \/required: .*'id'/,
    ],
    [
      'a property a closed model no longer has',
      json({ type: 'object', properties: {}, additionalProperties: false }),
      json({ type: 'object', properties: { id: { type: 'string' } } }),
      /^PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL at \/properties\/id/,
    ],
    [
      'a narrowed property type',
      json({ properties: { n: { type: 'integer' } } }),
      json({ properties: { n: { type: 'number' } } }),
      /^TYPE_NARROWED at \/properties\/n\/type: .*number/,
    ],
  ];

  it.each(cases)('name the rule and where it broke: %s', (_name, reader, writer, reason) => {
    expect(CHECKERS[reader.schemaType](reader, writer)).toContainEqual(expect.stringMatching(reason));
  });
});

describe('every checker', () => {
  const all = [...avroCases, ...protobufCases, ...jsonSchemaCases];
  const schemasOf = (type: SchemaType) => {
    const unique = new Map(
      all
        .filter((row) => row.type === type)
        .flatMap((row) => [row.new, ...row.old])
        .map((schema) => [JSON.stringify(schema), schema]),
    );
    return [...unique.values()].map((schema) => resolved(type, schema));
  };

  it.each(['AVRO', 'PROTOBUF', 'JSON'] as const)('is given only %s schemas the registry accepts', async (type) => {
    for (const schema of schemasOf(type)) await expect(parseSchema(schema)).resolves.toMatchObject({ schemaType: type });
  });

  it.each(['AVRO', 'PROTOBUF', 'JSON'] as const)("answers, without throwing, for every pair of the table's %s schemas", (type) => {
    const schemas = schemasOf(type);
    for (const reader of schemas) {
      for (const writer of schemas) expect(Array.isArray(CHECKERS[type](reader, writer))).toBe(true);
    }
  });

  it.each(['AVRO', 'PROTOBUF', 'JSON'] as const)('finds every %s schema of the table compatible with itself', (type) => {
    for (const schema of schemasOf(type)) expect(CHECKERS[type](schema, schema)).toEqual([]);
  });
});

describe('schemas that do not parse', () => {
  it.each([
    ['AVRO', '{"type":"record","name":"User","fields":[{"name":"a","type":"nope"}]}', '"string"'],
    ['PROTOBUF', 'message Order { string id = ; }', 'syntax = "proto3";\nmessage Order {\n  string id = 1;\n}\n'],
    ['JSON', '{"type":', '{"type":"string"}'],
  ] as const)('yield a reason rather than throwing (%s)', (type, broken, good) => {
    const check = CHECKERS[type];
    expect(check(resolved(type, broken), resolved(type, good))).toEqual([expect.stringMatching(/^SCHEMA_PARSE_ERROR: the reader's/)]);
    expect(check(resolved(type, good), resolved(type, broken))).toEqual([expect.stringMatching(/^SCHEMA_PARSE_ERROR: the writer's/)]);
  });

  it('report a JSON Schema $ref that resolves nowhere', () => {
    const broken = resolved('JSON', JSON.stringify({ properties: { a: { $ref: '#/definitions/missing' } } }));
    expect(jsonSchemaCanRead(broken, resolved('JSON', '{}'))).toContainEqual(expect.stringMatching(/^UNRESOLVED_REFERENCE at \/properties\/a: in the reader/));
  });
});

describe('recursive schemas', () => {
  it('terminate for a self-referencing JSON Schema', () => {
    const tree = (valueType: string) =>
      resolved(
        'JSON',
        JSON.stringify({
          type: 'object',
          properties: { value: { type: valueType }, children: { type: 'array', items: { $ref: '#' } } },
        }),
      );
    expect(jsonSchemaCanRead(tree('number'), tree('integer'))).toEqual([]);
    expect(jsonSchemaCanRead(tree('integer'), tree('number')).length).toBeGreaterThan(0);
  });

  it('terminate for a JSON Schema recursive through allOf and $refs with sibling keywords', () => {
    const tree = (valueType: string) =>
      resolved(
        'JSON',
        JSON.stringify({
          allOf: [{ $ref: '#/definitions/node' }],
          definitions: {
            node: {
              type: 'object',
              properties: { value: { type: valueType }, left: { $ref: '#', maxProperties: 3 }, right: { anyOf: [{ $ref: '#' }, { type: 'null' }] } },
            },
          },
        }),
      );
    expect(jsonSchemaCanRead(tree('number'), tree('integer'))).toEqual([]);
    expect(jsonSchemaCanRead(tree('integer'), tree('number')).length).toBeGreaterThan(0);
  });

  it('terminate for a recursive Protobuf message', () => {
    const tree = (valueType: string) =>
      resolved('PROTOBUF', `syntax = "proto3";\nmessage Tree {\n  ${valueType} value = 1;\n  repeated Tree children = 2;\n}\n`);
    expect(protobufCanRead(tree('int32'), tree('int64'))).toEqual([]);
    expect(protobufCanRead(tree('string'), tree('int64')).length).toBeGreaterThan(0);
  });
});
