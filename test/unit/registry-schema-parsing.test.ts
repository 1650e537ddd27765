/**
 * Parsing schemas of the three types into the two printings the registry identifies them by:
 * the canonical form (whitespace and comments do not matter, everything written is kept) and
 * the normalized form (declaration order and spelling do not matter either).
 */
import { describe, expect, it } from 'vitest';
import type { ResolvedSchema, SchemaType } from '../../src/registry/compatibility/types.js';
import { fingerprint } from '../../src/registry/schema/parsed-schema.js';
import { parseSchema } from '../../src/registry/schema/parse.js';

const parse = (schemaType: SchemaType, schema: string, references: ResolvedSchema['references'] = []) => parseSchema({ schemaType, schema, references });

describe('Avro', () => {
  const user = {
    type: 'record',
    name: 'User',
    namespace: 'com.example',
    doc: 'A user',
    fields: [{ name: 'age', type: { type: 'int' }, default: 0, doc: 'years' }],
  };

  it('prints the canonical form compactly, attributes in a fixed order, keeping docs and defaults', async () => {
    const shuffled = {
      fields: [{ doc: 'years', default: 0, type: { type: 'int' }, name: 'age' }],
      doc: 'A user',
      namespace: 'com.example',
      name: 'User',
      type: 'record',
    };
    const expected =
      '{"type":"record","name":"User","namespace":"com.example","doc":"A user","fields":[{"name":"age","type":{"type":"int"},"doc":"years","default":0}]}';
    expect((await parse('AVRO', JSON.stringify(user, null, 2))).canonical).toBe(expected);
    expect((await parse('AVRO', JSON.stringify(shuffled))).canonical).toBe(expected);
  });

  it('normalizes to the Parsing Canonical Form plus what changes meaning: full names, primitives collapsed, no docs, defaults kept', async () => {
    const { normalized } = await parse('AVRO', JSON.stringify(user));
    expect(normalized).toBe('{"name":"com.example.User","type":"record","fields":[{"name":"age","type":"int","default":0}]}');
    const spelledOut = { type: 'record', name: 'com.example.User', fields: [{ name: 'age', type: 'int', default: 0 }] };
    expect((await parse('AVRO', JSON.stringify(spelledOut))).normalized).toBe(normalized);
  });

  it('keeps schemas that read data differently apart when normalized', async () => {
    const base = await parse('AVRO', JSON.stringify(user));
    const otherDefault = await parse('AVRO', JSON.stringify({ ...user, fields: [{ ...user.fields[0], default: 1 }] }));
    const logical = await parse('AVRO', JSON.stringify({ ...user, fields: [{ name: 'age', type: { type: 'int', logicalType: 'date' }, default: 0 }] }));
    expect(otherDefault.normalized).not.toBe(base.normalized);
    expect(logical.normalized).not.toBe(base.normalized);
  });

  it('qualifies names by the enclosing namespace', async () => {
    const nested = {
      type: 'record',
      name: 'Outer',
      namespace: 'a',
      fields: [
        { name: 'in', type: { type: 'enum', name: 'Suit', symbols: ['S'] } },
        { name: 'again', type: 'Suit' },
      ],
    };
    expect((await parse('AVRO', JSON.stringify(nested))).normalized).toBe(
      '{"name":"a.Outer","type":"record","fields":[{"name":"in","type":{"name":"a.Suit","type":"enum","symbols":["S"]}},{"name":"again","type":"a.Suit"}]}',
    );
  });

  it('uses referenced named types', async () => {
    const address = JSON.stringify({ type: 'record', name: 'Address', namespace: 'com.example', fields: [{ name: 'city', type: 'string' }] });
    const withAddress = JSON.stringify({ type: 'record', name: 'User', namespace: 'com.example', fields: [{ name: 'home', type: 'Address' }] });
    await expect(parse('AVRO', withAddress)).rejects.toMatchObject({ errorCode: 42201 });
    await expect(parse('AVRO', withAddress, [{ name: 'com.example.Address', schema: address }])).resolves.toMatchObject({ schemaType: 'AVRO' });
  });
});

describe('Protobuf', () => {
  const order =
    'syntax = "proto3";\npackage shop;\noption java_package = "com.shop";\nmessage Order {\n  string id = 1;\n  int64 amount = 2 [deprecated = true];\n}\nmessage Item {\n  string sku = 1;\n}';

  it('prints the canonical form without comments or stray whitespace, keeping everything else', async () => {
    const messy = `// orders\nsyntax="proto3";package shop;   option java_package = "com.shop";\n/* the order */ message Order{string id=1;int64 amount=2[deprecated=true];}\nmessage Item { string sku = 1; }`;
    expect((await parse('PROTOBUF', messy)).canonical).toBe(order);
    expect((await parse('PROTOBUF', order)).canonical).toBe(order);
  });

  it('keeps string literals exactly, escapes included', async () => {
    const escaped = 'syntax = "proto3";\noption java_package = "a\\"b//c";\nmessage M {\n  string s = 1;\n}';
    expect((await parse('PROTOBUF', escaped)).canonical).toBe(escaped);
  });

  it('normalizes away field order and type spelling, but not message order (message indexes count it)', async () => {
    const base = await parse('PROTOBUF', order);
    const reordered =
      'syntax = "proto3"; package shop; option java_package = "com.shop"; message Order { int64 amount = 2 [deprecated = true]; .shop.Order.Nothing n = 3; string id = 1; message Nothing {} } message Item { string sku = 1; }';
    const spelled =
      'syntax = "proto3"; package shop; option java_package = "com.shop"; message Order { string id = 1; int64 amount = 2 [deprecated = true]; Nothing n = 3; message Nothing {} } message Item { string sku = 1; }';
    expect((await parse('PROTOBUF', reordered)).normalized).toBe((await parse('PROTOBUF', spelled)).normalized);
    const swapped =
      'syntax = "proto3"; package shop; option java_package = "com.shop"; message Item { string sku = 1; } message Order { string id = 1; int64 amount = 2 [deprecated = true]; }';
    expect((await parse('PROTOBUF', swapped)).normalized).not.toBe(base.normalized);
  });

  it('resolves imports from references and the well-known types', async () => {
    const money = 'syntax = "proto3"; package common; message Money { int64 units = 1; }';
    const priced =
      'syntax = "proto3"; import "common.proto"; import "google/protobuf/timestamp.proto"; message P { common.Money m = 1; google.protobuf.Timestamp at = 2; }';
    await expect(parse('PROTOBUF', priced, [{ name: 'common.proto', schema: money }])).resolves.toMatchObject({ schemaType: 'PROTOBUF' });
    await expect(parse('PROTOBUF', priced)).rejects.toMatchObject({ errorCode: 42201, message: expect.stringContaining('common.proto') });
  });
});

describe('JSON Schema', () => {
  it('prints the canonical form compactly in the order written, and normalizes to sorted keys', async () => {
    const parsed = await parse('JSON', '{ "type": "object",\n  "properties": { "b": {"type": "string"}, "a": {"type": "integer"} } }');
    expect(parsed.canonical).toBe('{"type":"object","properties":{"b":{"type":"string"},"a":{"type":"integer"}}}');
    expect(parsed.normalized).toBe('{"properties":{"a":{"type":"integer"},"b":{"type":"string"}},"type":"object"}');
  });

  it.each([
    ['draft-07', 'http://json-schema.org/draft-07/schema#', { type: 'string' }],
    ['draft-06', 'http://json-schema.org/draft-06/schema#', { type: 'string' }],
    ['draft-04', 'http://json-schema.org/draft-04/schema#', { type: 'string' }],
    ['2019-09', 'https://json-schema.org/draft/2019-09/schema', { type: 'array', items: { type: 'string' }, unevaluatedItems: false }],
    ['2020-12', 'https://json-schema.org/draft/2020-12/schema', { type: 'array', prefixItems: [{ type: 'string' }] }],
  ])('takes %s schemas', async (_draft, $schema, body) => {
    await expect(parse('JSON', JSON.stringify({ $schema, ...body }))).resolves.toMatchObject({ schemaType: 'JSON' });
  });

  it('takes the boolean schemas', async () => {
    expect((await parse('JSON', 'true')).canonical).toBe('true');
  });
});

describe('fingerprints', () => {
  it('differ by schema type, references and form, and not otherwise', () => {
    const references = [{ name: 'a', subject: 's', version: 1 }];
    const base = fingerprint('canonical', 'JSON', [], '"x"');
    expect(fingerprint('canonical', 'JSON', [], '"x"')).toBe(base);
    expect(fingerprint('canonical', 'AVRO', [], '"x"')).not.toBe(base);
    expect(fingerprint('canonical', 'JSON', references, '"x"')).not.toBe(base);
    expect(fingerprint('normalized', 'JSON', [], '"x"')).not.toBe(base);
  });
});
