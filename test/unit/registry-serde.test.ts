/**
 * The serde: JSON values to Confluent wire-format bytes and back for Avro, Protobuf and JSON
 * Schema, with the schemas of an (in-memory) registry. Bad values and bad bytes are clear
 * GatewayErrors, never anything else.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { MemoryRegistryStore } from '../../src/registry/memory-registry-store.js';
import { RegistryService } from '../../src/registry/registry-service.js';

let registry: RegistryService;
const serde = () => registry.serde;
const ids = { avro: 0, proto: 0, json: 0 };

const AVRO = JSON.stringify({
  type: 'record',
  name: 'Payment',
  namespace: 'bank',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'cents', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'raw', type: 'bytes', default: '' },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['CARD', 'CASH'] }, default: 'CARD' },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
    { name: 'payer', type: ['null', { type: 'record', name: 'Payer', fields: [{ name: 'age', type: 'int' }] }], default: null },
  ],
});

const PROTO = `syntax = "proto3";
package bank;
message Payment {
  string id = 1;
  int64 cents = 2;
  Kind kind = 3;
  repeated string tags = 4;
  map<string, int32> counts = 5;
  bytes raw = 6;
  oneof via { string card = 7; string account = 8; }
  message Fee { uint32 cents = 1; }
  Fee fee = 9;
  string payer_name = 10;
}
message Refund { string payment_id = 1; }
enum Kind { CARD = 0; CASH = 1; }
`;

const JSON_SCHEMA = JSON.stringify({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: { id: { type: 'string' }, cents: { type: 'integer', minimum: 0 }, email: { type: 'string', format: 'email' } },
  required: ['id', 'cents'],
  additionalProperties: false,
});

beforeAll(async () => {
  registry = new RegistryService(new MemoryRegistryStore());
  ids.avro = (await registry.register('avro', { schema: AVRO })).id;
  ids.proto = (await registry.register('proto', { schema: PROTO, schemaType: 'PROTOBUF' })).id;
  ids.json = (await registry.register('json', { schema: JSON_SCHEMA, schemaType: 'JSON' })).id;
});

const roundTrip = async (id: number, value: unknown, options = {}) => (await serde().decode(await serde().encode(id, value, options))).value;

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe('Avro', () => {
  it('round-trips values in Avro JSON encoding: wrapped unions, bytes as code points, defaults filled in', async () => {
    const value = { id: 'p1', cents: 1999, note: { string: 'rent' }, raw: '\u0000\u00ff', kind: 'CASH', tags: ['a'], payer: { 'bank.Payer': { age: 40 } } };
    expect(await roundTrip(ids.avro, value)).toEqual(value);
    expect(await roundTrip(ids.avro, { id: 'p2', cents: 1 })).toEqual({ id: 'p2', cents: 1, note: null, raw: '', kind: 'CARD', tags: [], payer: null });
  });

  it('writes the schema id and Avro binary', async () => {
    const bytes = await serde().encode(ids.avro, { id: 'x', cents: 1 });
    expect(bytes.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 0, ids.avro]));
    expect(bytes.subarray(5, 9)).toEqual(Buffer.from([0x02, 0x78, 0x02, 0x00]));
  });

  it.each([
    ['a missing field without default', { cents: 1 }, 'id'],
    ['a string for a long', { id: 'x', cents: 'many' }, 'cents'],
    ['an unwrapped union value', { id: 'x', cents: 1, note: 'rent' }, 'note'],
    ['an unknown enum symbol', { id: 'x', cents: 1, kind: 'GOLD' }, 'kind'],
    ['a nested mismatch', { id: 'x', cents: 1, payer: { 'bank.Payer': { age: 'old' } } }, 'payer'],
  ])('refuses %s with 42205 naming the field', async (_case, value, path) => {
    const error = await failure(serde().encode(ids.avro, value));
    expect(error.errorCode).toBe(42205);
    expect(error.message).toContain(`schema ${ids.avro} (AVRO): ${path}`);
  });

  it('refuses bytes that are truncated or run on', async () => {
    const bytes = await serde().encode(ids.avro, { id: 'x', cents: 1 });
    expect((await failure(serde().decode(bytes.subarray(0, 7)))).message).toMatch(/truncated/);
    expect((await failure(serde().decode(Buffer.concat([bytes, Buffer.from([1])])))).message).toMatch(/trailing/);
  });
});

describe('Protobuf', () => {
  it('round-trips the first message in proto3 JSON: 64-bit integers as strings, enums by name, bytes as base64', async () => {
    const value = {
      id: 'p1',
      cents: '1999',
      kind: 'CASH',
      tags: ['a', 'b'],
      counts: { x: 2 },
      raw: 'AAH/',
      card: '4111',
      fee: { cents: 30 },
      payerName: 'Ada',
    };
    expect(await roundTrip(ids.proto, value)).toEqual(value);
  });

  it('takes field names as written in the schema as well as JSON names, numbers for 64-bit integers and enum numbers', async () => {
    expect(await roundTrip(ids.proto, { payer_name: 'Ada', cents: 5, kind: 1 })).toEqual({ payerName: 'Ada', cents: '5', kind: 'CASH' });
  });

  it('writes [0] as one 0x00 byte, and the index path of another or a nested message', async () => {
    expect((await serde().encode(ids.proto, { id: 'p' }))[5]).toBe(0x00);
    const refund = await serde().encode(ids.proto, { paymentId: 'p' }, { messageName: 'bank.Refund' });
    expect([...refund.subarray(5, 7)]).toEqual([0x02, 0x02]);
    expect((await serde().decode(refund)).value).toEqual({ paymentId: 'p' });
    const fee = await serde().encode(ids.proto, { cents: 7 }, { messageName: 'Fee' });
    expect([...fee.subarray(5, 8)]).toEqual([0x04, 0x00, 0x00]);
    expect((await serde().decode(fee)).value).toEqual({ cents: 7 });
  });

  it('reads the long form of [0] and payloads with no message indexes at all', async () => {
    const ours = await serde().encode(ids.proto, { id: 'p9', cents: 3 });
    const message = ours.subarray(6);
    const header = ours.subarray(0, 5);
    expect((await serde().decode(Buffer.concat([header, Buffer.from([0x02, 0x00]), message]))).value).toEqual({ id: 'p9', cents: '3' });
    expect((await serde().decode(Buffer.concat([header, message]))).value).toEqual({ id: 'p9', cents: '3' });
  });

  it.each([
    ['an unknown field', { id: 'x', colour: 'red' }, 'colour: unknown field'],
    ['a number for a string', { id: 5 }, 'id: expected a string'],
    ['a fraction for an integer', { cents: 1.5 }, 'cents: expected an integer'],
    ['an int64 out of range', { cents: '9223372036854775808' }, 'out of range'],
    ['an unknown enum name', { kind: 'GOLD' }, 'kind: expected one of CARD, CASH'],
    ['two members of a oneof', { card: '1', account: '2' }, "oneof 'via'"],
    ['a non-array for a repeated field', { tags: 'a' }, 'tags: expected an array'],
    ['a bad map value', { counts: { x: 'two' } }, 'counts["x"]: expected an integer'],
    ['something that is not base64 for bytes', { raw: '***' }, 'raw: expected base64'],
    ['a nested mismatch', { fee: { cents: -1 } }, 'fee.cents: -1 is out of range'],
    ['a value that is not an object', 'payment', 'expected an object'],
  ])('refuses %s with 42205 saying where', async (_case, value, detail) => {
    const error = await failure(serde().encode(ids.proto, value));
    expect(error.errorCode).toBe(42205);
    expect(error.message).toContain(detail);
  });

  it('refuses an unknown message name', async () => {
    expect((await failure(serde().encode(ids.proto, {}, { messageName: 'Nope' }))).message).toContain("no message named 'Nope'");
  });

  it('refuses bytes that are no message of the schema', async () => {
    expect((await failure(serde().decode(Buffer.from([0, 0, 0, 0, ids.proto, 0x00, 0xff, 0xff])))).errorCode).toBe(42205);
  });
});

describe('JSON Schema', () => {
  it('writes the value as UTF-8 JSON and reads it back, validating both ways', async () => {
    const bytes = await serde().encode(ids.json, { id: 'é', cents: 3 });
    expect(bytes.subarray(5).toString('utf8')).toBe('{"id":"é","cents":3}');
    expect((await serde().decode(bytes)).value).toEqual({ id: 'é', cents: 3 });
  });

  it.each([
    ['a missing required property', { cents: 1 }, "must have required property 'id'"],
    ['a negative amount', { id: 'x', cents: -1 }, '/cents must be >= 0'],
    ['an extra property', { id: 'x', cents: 1, colour: 'red' }, 'must NOT have additional properties'],
    ['a malformed email (formats are checked)', { id: 'x', cents: 1, email: 'nope' }, '/email must match format "email"'],
  ])('refuses %s with 42205', async (_case, value, detail) => {
    const error = await failure(serde().encode(ids.json, value));
    expect(error.errorCode).toBe(42205);
    expect(error.message).toContain(detail);
  });

  it('refuses stored bytes that are not JSON or do not match', async () => {
    const header = Buffer.from([0, 0, 0, 0, ids.json]);
    expect((await failure(serde().decode(Buffer.concat([header, Buffer.from('{"id":')])))).errorCode).toBe(42205);
    expect((await failure(serde().decode(Buffer.concat([header, Buffer.from('{"id":"x"}')])))).message).toContain('cents');
  });
});

describe('any format', () => {
  it('answers 40403 for an unknown schema id, when encoding and when decoding', async () => {
    expect((await failure(serde().encode(999, {}))).errorCode).toBe(40403);
    expect((await failure(serde().decode(Buffer.from([0, 0, 0, 3, 0xe7, 1])))).errorCode).toBe(40403);
  });

  it('answers 42205 for bytes that are not in the wire format and for an invalid id', async () => {
    expect((await failure(serde().decode(Buffer.from([1, 0, 0, 0, 1, 2])))).message).toContain('magic byte');
    expect((await failure(serde().decode(Buffer.from([0, 0])))).message).toContain('too short');
    expect((await failure(serde().encode(-1, {}))).errorCode).toBe(42205);
  });

  it('compiles a schema once and reuses the codec', async () => {
    expect(await serde().codec(ids.avro)).toBe(await serde().codec(ids.avro));
  });

  it('does not remember that an id was unknown once it is registered', async () => {
    const next = (await registry.register('late', { schema: '"int"' })).id + 1;
    expect((await failure(serde().encode(next, 5))).errorCode).toBe(40403);
    expect((await registry.register('late', { schema: '"long"' })).id).toBe(next);
    expect(await roundTrip(next, 5)).toBe(5);
  });
});
