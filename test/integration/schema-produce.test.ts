import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;
let client: SchemaRegistry;

beforeAll(async () => {
  redis = await suiteRedis();
  gw = await startGateway({ redisUrl: redis.url });
  await gw.app.listen({ port: 0, host: '127.0.0.1' });
  client = new SchemaRegistry({ host: `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}` });
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

type Row = Record<string, unknown>;
const inject = (options: InjectOptions) => gw.app.inject(options);
const createTopic = async (name: string) =>
  expect((await inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: name, partitions_count: 1 } })).statusCode).toBe(201);
const v2 = (topic: string, format: string, body: object, path = '') =>
  inject({
    method: 'POST',
    url: `/topics/${topic}${path}`,
    headers: { 'content-type': `application/vnd.kafka.${format}.v2+json` },
    payload: JSON.stringify(body),
  });
const v3 = (topic: string, ...records: object[]) =>
  inject({
    method: 'POST',
    url: `${gw.v3}/topics/${topic}/records`,
    headers: { 'content-type': 'application/json' },
    payload: records.map((record) => JSON.stringify(record)).join('\n'),
  });
const read = async (topic: string, format: string, offset = 0) => {
  const response = await inject({ url: `${gw.v3}/topics/${topic}/partitions/0/records?format=${format}&offset=${offset}` });
  expect(response.statusCode).toBe(200);
  return response.json().records as Row[];
};
const end = async (topic: string) => (await inject({ url: `/topics/${topic}/partitions/0/offsets` })).json().end_offset as number;
const subjects = async () => (await inject({ url: '/subjects' })).json() as string[];

const order = (id: number) => ({ id, item: `item-${id}` });

/** One schema format: a value schema named `<namespace>.Order`, a key schema, a key, and data that matches neither. */
interface Format {
  format: 'avro' | 'protobuf' | 'jsonschema';
  type: 'AVRO' | 'PROTOBUF' | 'JSONSCHEMA';
  valueSchema: string;
  keySchema: string;
  key: unknown;
  recordName: string;
  bad: unknown;
}

const FORMATS: Format[] = [
  {
    format: 'avro',
    type: 'AVRO',
    valueSchema: JSON.stringify({
      type: 'record',
      name: 'Order',
      namespace: 'shop.avro',
      fields: [
        { name: 'id', type: 'int' },
        { name: 'item', type: 'string' },
      ],
    }),
    keySchema: JSON.stringify('string'),
    key: 'k-1',
    recordName: 'shop.avro.Order',
    bad: { id: 'eight', item: 8 },
  },
  {
    format: 'protobuf',
    type: 'PROTOBUF',
    valueSchema: 'syntax = "proto3";\npackage shop.protobuf;\nmessage Order {\n  int32 id = 1;\n  string item = 2;\n}\n',
    keySchema: 'syntax = "proto3";\npackage shop.protobuf;\nmessage OrderKey {\n  string code = 1;\n}\n',
    key: { code: 'k-1' },
    recordName: 'shop.protobuf.Order',
    bad: { id: 'eight', item: 8 },
  },
  {
    format: 'jsonschema',
    type: 'JSONSCHEMA',
    valueSchema: JSON.stringify({
      title: 'shop.jsonschema.Order',
      type: 'object',
      properties: { id: { type: 'integer' }, item: { type: 'string' } },
      required: ['id', 'item'],
      additionalProperties: false,
    }),
    keySchema: JSON.stringify({ type: 'string', minLength: 1 }),
    key: 'k-1',
    recordName: 'shop.jsonschema.Order',
    bad: { id: 'eight', item: 8 },
  },
];

describe.each(FORMATS)('$format', ({ format, type, valueSchema, keySchema, key, recordName, bad }) => {
  const topic = `orders-${format}`;
  let valueId: number;

  beforeAll(() => createTopic(topic));

  it('v2: registers inline key and value schemas under <topic>-key and <topic>-value, and reads the records back decoded', async () => {
    const produced = await v2(topic, format, { key_schema: keySchema, value_schema: valueSchema, records: [{ key, value: order(1) }, { value: order(2) }] });
    expect(produced.statusCode).toBe(200);
    const body = produced.json();
    valueId = body.value_schema_id;
    expect(body.offsets).toEqual([
      { partition: 0, offset: 0, error_code: null, error: null },
      { partition: 0, offset: 1, error_code: null, error: null },
    ]);
    expect(await client.getLatestSchemaId(`${topic}-value`)).toBe(valueId);
    expect(await client.getLatestSchemaId(`${topic}-key`)).toBe(body.key_schema_id);

    const records = await read(topic, format);
    expect(
      records.map(({ offset, key, value, key_schema_id, value_schema_id, error }) => ({ offset, key, value, key_schema_id, value_schema_id, error })),
    ).toEqual([
      { offset: 0, key, value: order(1), key_schema_id: body.key_schema_id, value_schema_id: valueId, error: undefined },
      { offset: 1, key: null, value: order(2), key_schema_id: undefined, value_schema_id: valueId, error: undefined },
    ]);
  });

  it('v2: produces by schema id, also to an explicit partition', async () => {
    const byId = await v2(topic, format, { value_schema_id: valueId, records: [{ value: order(3) }] });
    expect(byId.json()).toMatchObject({ key_schema_id: null, value_schema_id: valueId });
    const toPartition = await v2(topic, format, { value_schema_id: valueId, records: [{ value: order(4) }] }, '/partitions/0');
    expect(toPartition.json().offsets[0]).toMatchObject({ partition: 0, offset: 3 });
    expect((await read(topic, format, 2)).map((record) => record.value)).toEqual([order(3), order(4)]);
  });

  it('looks each schema up once per request, not once per record', async () => {
    const { registry } = gw.app.services;
    const codec = vi.spyOn(registry.serde, 'codec');
    const byId = vi.spyOn(registry, 'schemaById');
    try {
      const records = Array.from({ length: 50 }, (_, i) => ({ key, value: order(100 + i) }));
      expect((await v2(topic, format, { key_schema: keySchema, value_schema_id: valueId, records })).statusCode).toBe(200);
      expect(codec).toHaveBeenCalledTimes(2);
      expect(byId).toHaveBeenCalledTimes(1);
      codec.mockClear();
      const stream = Array.from({ length: 20 }, (_, i) => ({ value: { schema_id: valueId, data: order(200 + i) } }));
      expect((await v3(topic, ...stream)).statusCode).toBe(200);
      expect(codec).toHaveBeenCalledTimes(1);
    } finally {
      codec.mockRestore();
      byId.mockRestore();
    }
  });

  it('writes bytes the Confluent client decodes, and decodes bytes the Confluent client encoded', async () => {
    const [raw] = await read(topic, 'binary');
    expect(await client.decode(Buffer.from(raw.value as string, 'base64'))).toMatchObject(order(1));
    expect(await client.decode(Buffer.from(raw.key as string, 'base64'))).toEqual(key);

    const encoded = await client.encode(valueId, order(5));
    const offset = (await v3(topic, { value: { type: 'BINARY', data: encoded.toString('base64') } })).json().offset;
    expect((await read(topic, format, offset))[0]).toMatchObject({ value: order(5), value_schema_id: valueId });
  });

  it('v3: produces by schema_id, by subject and schema_version, and by type alone (the latest of <topic>-value)', async () => {
    const byId = await v3(topic, { value: { schema_id: valueId, data: order(6) } });
    expect(byId.statusCode).toBe(200);
    expect(byId.json().value).toEqual({ type, size: expect.any(Number), schema_id: valueId });
    const bySubject = await v3(topic, { value: { subject: `${topic}-value`, schema_version: 1, data: order(7) } });
    expect(bySubject.json().value).toMatchObject({ type, schema_id: valueId, subject: `${topic}-value`, schema_version: 1 });
    const byType = await v3(topic, { value: { type, data: order(8) } });
    expect(byType.json().value).toMatchObject({ schema_id: valueId, subject: `${topic}-value`, schema_version: 1 });
    const keyed = await v3(topic, { key: { type, data: key }, value: { type, data: order(9) } });
    expect(keyed.json().key).toMatchObject({ type, subject: `${topic}-key` });
    expect((await read(topic, format, byId.json().offset)).map((record) => [record.key, record.value])).toEqual([
      [null, order(6)],
      [null, order(7)],
      [null, order(8)],
      [key, order(9)],
    ]);
  });

  it('v3: registers an inline schema under the subject each name strategy gives', async () => {
    const strategies = [
      [undefined, `${topic}-value`],
      ['TOPIC_NAME', `${topic}-value`],
      ['RECORD_NAME', recordName],
      ['TOPIC_RECORD_NAME', `${topic}-${recordName}`],
    ] as const;
    for (const [strategy, subject] of strategies) {
      const produced = await v3(topic, { value: { type, schema: valueSchema, subject_name_strategy: strategy, data: order(10) } });
      expect(produced.statusCode).toBe(200);
      expect(produced.json().value).toMatchObject({ schema_id: valueId, subject });
      expect(await client.getLatestSchemaId(subject)).toBe(valueId);
    }
    const recordStrategy = await v3(topic, { value: { type, subject_name_strategy: 'RECORD_NAME', subject: recordName, data: order(11) } });
    expect(recordStrategy.json().value).toMatchObject({ schema_id: valueId, subject: recordName });
  });

  it('refuses data that does not match the schema with 42205 and writes nothing of the batch', async () => {
    const before = await end(topic);
    const badValue = await v2(topic, format, { value_schema_id: valueId, records: [{ value: order(12) }, { value: bad }] });
    expect(badValue.statusCode).toBe(422);
    expect(badValue.json()).toMatchObject({ error_code: 42205, message: expect.stringContaining(`records[1].value does not match schema ${valueId}`) });
    const badKey = await v2(topic, format, {
      key_schema: keySchema,
      value_schema_id: valueId,
      records: [
        { key, value: order(13) },
        { key: 42, value: order(14) },
      ],
    });
    expect(badKey.json()).toMatchObject({ error_code: 42205, message: expect.stringContaining('records[1].key') });
    const badV3 = await v3(topic, { value: { schema_id: valueId, data: bad } });
    expect(badV3.statusCode).toBe(422);
    expect(badV3.json().error_code).toBe(42205);
    expect(await end(topic)).toBe(before);
  });

  it('v3 streaming: a record that does not match gets its own 42205 and the others are written', async () => {
    const before = await end(topic);
    const response = await v3(topic, { value: { type, data: order(15) } }, { value: { type, data: bad } }, { value: { schema_id: valueId, data: order(16) } });
    expect(response.statusCode).toBe(200);
    const lines = response.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Row);
    expect(lines.map((line) => line.error_code)).toEqual([200, 42205, 200]);
    expect(lines.map((line) => line.offset)).toEqual([before, undefined, before + 1]);
    expect((await read(topic, format, before)).map((record) => record.value)).toEqual([order(15), order(16)]);
  });
});

describe('schema errors', () => {
  const [avro, protobuf] = FORMATS;
  beforeAll(async () => {
    for (const name of ['missing-schema', 'unknown-id', 'mismatch', 'mixed']) await createTopic(name);
  });

  it('answers non-null values without a schema with 42202 and non-null keys without one with 42201', async () => {
    const noValue = await v2('missing-schema', 'avro', { records: [{ value: order(1) }] });
    expect(noValue.statusCode).toBe(422);
    expect(noValue.json().error_code).toBe(42202);
    const noKey = await v2('missing-schema', 'avro', { value_schema: avro.valueSchema, records: [{ value: order(1) }, { key: 'k', value: order(2) }] });
    expect(noKey.json().error_code).toBe(42201);
    const tombstonesOnly = await v2('missing-schema', 'avro', { records: [{ key: null, value: null }] });
    expect(tombstonesOnly.json()).toMatchObject({ key_schema_id: null, value_schema_id: null, offsets: [{ offset: 0 }] });
    expect(await end('missing-schema')).toBe(1);
  });

  it('answers an unknown schema id with 40403 and writes nothing', async () => {
    const v2Unknown = await v2('unknown-id', 'avro', { value_schema_id: 99999, records: [{ value: order(1) }] });
    expect(v2Unknown.statusCode).toBe(404);
    expect(v2Unknown.json()).toMatchObject({ error_code: 40403, message: expect.stringContaining('99999') });
    const v3Unknown = await v3('unknown-id', { value: { type: 'AVRO', schema_id: 99999, data: order(1) } });
    expect(v3Unknown.json().error_code).toBe(40403);
    expect(await end('unknown-id')).toBe(0);
  });

  it('answers a subject without schemas with 40401 naming the subject, and a missing version with 40402', async () => {
    const noSubject = await v3('unknown-id', { value: { type: 'AVRO', data: order(1) } });
    expect(noSubject.statusCode).toBe(404);
    expect(noSubject.json()).toMatchObject({ error_code: 40401, message: expect.stringContaining("subject 'unknown-id-value'") });
    await v2('unknown-id', 'avro', { value_schema: avro.valueSchema, records: [{ value: order(1) }] });
    const noVersion = await v3('unknown-id', { value: { subject: 'unknown-id-value', schema_version: 7, data: order(1) } });
    expect(noVersion.json().error_code).toBe(40402);
  });

  it('explains that a record name strategy needs the record name from an inline schema or the subject', async () => {
    const response = await v3('mismatch', { value: { type: 'AVRO', subject_name_strategy: 'RECORD_NAME', data: order(1) } });
    expect(response.statusCode).toBe(422);
    expect(response.json().message).toMatch(/RECORD_NAME.*inline/);
    const unnamed = await v3('mismatch', { value: { type: 'AVRO', schema: '"string"', subject_name_strategy: 'TOPIC_RECORD_NAME', data: 'x' } });
    expect(unnamed.json().message).toMatch(/no named type/);
  });

  it('refuses a schema of another type than the data, an inline schema without its type, and a schema with an embedded type', async () => {
    const avroId = await client.getLatestSchemaId('orders-avro-value');
    const typeMismatch = await v3('mismatch', { value: { type: 'PROTOBUF', schema_id: avroId, data: order(1) } });
    expect(typeMismatch.json()).toMatchObject({ error_code: 42205, message: expect.stringContaining('is AVRO, but the data is given as PROTOBUF') });
    const v2Mismatch = await v2('mismatch', 'protobuf', { value_schema_id: avroId, records: [{ value: order(1) }] });
    expect(v2Mismatch.json().error_code).toBe(42205);
    const untyped = await v3('mismatch', { value: { schema: protobuf.valueSchema, data: order(1) } });
    expect(untyped.json()).toMatchObject({ error_code: 422, message: expect.stringContaining('needs its type') });
    const embedded = await v3('mismatch', { value: { type: 'JSON', schema_id: avroId, data: order(1) } });
    expect(embedded.json()).toMatchObject({ error_code: 422, message: expect.stringContaining('type JSON takes no schema') });
    expect(await end('mismatch')).toBe(0);
  });

  it('answers a malformed inline schema with 42201 and registers nothing for an unknown topic', async () => {
    const malformed = await v2('mismatch', 'avro', { value_schema: '{"type": "record"', records: [{ value: order(1) }] });
    expect(malformed.json().error_code).toBe(42201);
    const noTopic = await v2('no-such-topic', 'avro', { value_schema: avro.valueSchema, records: [{ value: order(1) }] });
    expect(noTopic.json().error_code).toBe(40401);
    expect(await subjects()).not.toContain('no-such-topic-value');
  });

  it('reports on the record itself a record it cannot decode, and returns the others decoded', async () => {
    await v2('mixed', 'avro', { value_schema: avro.valueSchema, records: [{ value: order(1) }] });
    const unknownId = Buffer.from([0, 0x7f, 0x7f, 0x7f, 0x7f, 2]);
    await v3('mixed', { value: { type: 'BINARY', data: unknownId.toString('base64') } });
    await v3('mixed', { value: { type: 'STRING', data: 'plain text' } });
    await v3('mixed', { value: { schema_id: await client.getLatestSchemaId('orders-protobuf-value'), data: order(4) } });
    await v2('mixed', 'avro', { value_schema: avro.valueSchema, records: [{ value: order(5) }] });

    const records = await read('mixed', 'avro');
    expect(records.map((record) => record.offset)).toEqual([0, 1, 2, 3, 4]);
    expect(records[0]).toMatchObject({ value: order(1) });
    expect(records[0]).not.toHaveProperty('error');
    expect(records[1]).toMatchObject({ value: unknownId.toString('base64'), error: expect.stringMatching(/Schema 2139062143 not found/) });
    expect(records[2]).toMatchObject({ value: Buffer.from('plain text').toString('base64'), error: expect.stringMatching(/magic byte/) });
    expect(records[3].error).toMatch(/is PROTOBUF, not AVRO/);
    expect(records[4]).toMatchObject({ value: order(5) });
    expect(records[4]).not.toHaveProperty('error');
  });
});
