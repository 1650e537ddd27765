/**
 * Schema compatibility, table-driven: each case is a subject's versions, a new schema, a level
 * and the verdict, run through the registry's own level logic with the format's checker.
 */
import { describe, expect, it } from 'vitest';
import { avroCanRead } from '../../src/registry/compatibility/avro.js';
import { jsonSchemaCanRead } from '../../src/registry/compatibility/json-schema.js';
import { protobufCanRead } from '../../src/registry/compatibility/protobuf.js';
import { checkCompatibility, COMPATIBILITY_LEVELS, type ReaderWriterCheck, type ResolvedSchema, type SchemaType } from '../../src/registry/compatibility/types.js';
import { avroCases } from './compatibility-cases/avro.js';
import type { CompatibilityCase, SchemaWithReferences } from './compatibility-cases/case.js';
import { jsonSchemaCases } from './compatibility-cases/json-schema.js';
import { protobufCases } from './compatibility-cases/protobuf.js';

const CHECKERS: Record<SchemaType, ReaderWriterCheck> = { AVRO: avroCanRead, PROTOBUF: protobufCanRead, JSON: jsonSchemaCanRead };

const resolved = (schemaType: SchemaType, schema: string | SchemaWithReferences): ResolvedSchema =>
  typeof schema === 'string' ? { schemaType, schema, references: [] } : { schemaType, ...schema };

const reasonsFor = (row: CompatibilityCase) =>
  checkCompatibility(row.level, resolved(row.type, row.new), row.old.map((schema) => resolved(row.type, schema)), CHECKERS[row.type]);

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
  const user = (fields: object[]) => resolved('AVRO', JSON.stringify({ type: 'record', name: 'User', fields }));

  it('name the Avro error type and the path of the field', () => {
    const reasons = avroCanRead(user([{ name: 'name', type: 'string' }, { name: 'email', type: 'string' }]), user([{ name: 'name', type: 'string' }]));
    expect(reasons).toEqual([expect.stringMatching(/^READER_FIELD_MISSING_DEFAULT_VALUE at \/fields\/email/)]);
  });

  it('list every missing enum symbol', () => {
    const suit = (symbols: string[]) => resolved('AVRO', JSON.stringify({ type: 'enum', name: 'Suit', symbols }));
    expect(avroCanRead(suit(['A']), suit(['A', 'B', 'C']))).toEqual([expect.stringMatching(/^MISSING_ENUM_SYMBOLS at \/symbols: .*B, C/)]);
  });

  it('name the Protobuf message and field number', () => {
    const order = (type: string) => resolved('PROTOBUF', `syntax = "proto3";\nmessage Order {\n  ${type} amount = 2;\n}\n`);
    expect(protobufCanRead(order('string'), order('int64'))).toEqual([expect.stringMatching(/^FIELD_SCALAR_KIND_CHANGED at Order\.amount \(#2\)/)]);
  });

  it('name the JSON Schema property', () => {
    const schema = (required: string[]) => resolved('JSON', JSON.stringify({ type: 'object', properties: { id: { type: 'string' } }, required }));
    expect(jsonSchemaCanRead(schema(['id']), schema([]))).toEqual([expect.stringMatching(/^REQUIRED_ATTRIBUTE_ADDED at \/required: .*'id'/)]);
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
    const tree = (valueType: string) => resolved('JSON', JSON.stringify({
      type: 'object',
      properties: { value: { type: valueType }, children: { type: 'array', items: { $ref: '#' } } },
    }));
    expect(jsonSchemaCanRead(tree('number'), tree('integer'))).toEqual([]);
    expect(jsonSchemaCanRead(tree('integer'), tree('number')).length).toBeGreaterThan(0);
  });

  it('terminate for a JSON Schema recursive through allOf and $refs with sibling keywords', () => {
    const tree = (valueType: string) => resolved('JSON', JSON.stringify({
      allOf: [{ $ref: '#/definitions/node' }],
      definitions: {
        node: { type: 'object', properties: { value: { type: valueType }, left: { $ref: '#', maxProperties: 3 }, right: { anyOf: [{ $ref: '#' }, { type: 'null' }] } } },
      },
    }));
    expect(jsonSchemaCanRead(tree('number'), tree('integer'))).toEqual([]);
    expect(jsonSchemaCanRead(tree('integer'), tree('number')).length).toBeGreaterThan(0);
  });

  it('terminate for a recursive Protobuf message', () => {
    const tree = (valueType: string) => resolved('PROTOBUF', `syntax = "proto3";\nmessage Tree {\n  ${valueType} value = 1;\n  repeated Tree children = 2;\n}\n`);
    expect(protobufCanRead(tree('int32'), tree('int64'))).toEqual([]);
    expect(protobufCanRead(tree('string'), tree('int64')).length).toBeGreaterThan(0);
  });
});
