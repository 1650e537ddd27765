import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;
let client: SchemaRegistry;

const ORDER_AVRO = JSON.stringify({ type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'int' }, { name: 'item', type: 'string' }] });
const ORDER_PROTO = 'syntax = "proto3";\npackage shop;\nmessage Order {\n  int32 id = 1;\n  string item = 2;\n}\n';
const ORDER_JSON = JSON.stringify({ title: 'Order', type: 'object', properties: { id: { type: 'integer' }, item: { type: 'string' } }, required: ['id', 'item'], additionalProperties: false });

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

const inject = (options: InjectOptions) => gw.app.inject(options);
const createTopic = (name: string) => inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: name } });
const v2 = (topic: string, format: string, body: object) =>
  inject({ method: 'POST', url: `/topics/${topic}`, headers: { 'content-type': `application/vnd.kafka.${format}.v2+json` }, payload: JSON.stringify(body) });
const v3 = (topic: string, body: object) => inject({ method: 'POST', url: `${gw.v3}/topics/${topic}/records`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
const read = async (topic: string, format: string) => (await inject({ url: `${gw.v3}/topics/${topic}/partitions/0/records?format=${format}` })).json().records as Array<Record<string, unknown>>;
const end = async (topic: string) => (await inject({ url: `/topics/${topic}/partitions/0/offsets` })).json().end_offset as number;

describe.each([
  ['avro', ORDER_AVRO],
  ['protobuf', ORDER_PROTO],
  ['jsonschema', ORDER_JSON],
])('%s produce and consume', (format, schema) => {
  const topic = `orders-${format}`;

  it('registers an inline schema under <topic>-value, encodes, and decodes on read', async () => {
    await createTopic(topic);
    const produced = await v2(topic, format, { value_schema: schema, records: [{ value: { id: 1, item: 'book' } }, { value: { id: 2, item: 'pen' } }] });
    expect(produced.statusCode).toBe(200);
    const { value_schema_id: id } = produced.json();
    expect(id).toEqual(expect.any(Number));
    expect(await client.getLatestSchemaId(`${topic}-value`)).toBe(id);
    const records = await read(topic, format);
    expect(records.map((r) => r.value)).toEqual([{ id: 1, item: 'book' }, { id: 2, item: 'pen' }]);
    expect(records[0].value_schema_id).toBe(id);
  });

  it('writes bytes the Confluent client decodes, and decodes bytes the client encoded', async () => {
    const id = await client.getLatestSchemaId(`${topic}-value`);
    const [raw] = await read(topic, 'binary');
    expect(await client.decode(Buffer.from(raw.value as string, 'base64'))).toMatchObject({ id: 1, item: 'book' });

    const encoded = await client.encode(id, { id: 3, item: 'ink' });
    await v3(topic, { value: { type: 'BINARY', data: encoded.toString('base64') } });
    expect((await read(topic, format)).at(-1)?.value).toEqual({ id: 3, item: 'ink' });
  });

  it('produces by schema id (v2 and v3) and by subject and version (v3)', async () => {
    const id = await client.getLatestSchemaId(`${topic}-value`);
    expect((await v2(topic, format, { value_schema_id: id, records: [{ value: { id: 4, item: 'cup' } }] })).json().value_schema_id).toBe(id);
    const byId = await v3(topic, { value: { schema_id: id, data: { id: 5, item: 'mug' } } });
    expect(byId.json().value).toMatchObject({ schema_id: id });
    const bySubject = await v3(topic, { value: { subject: `${topic}-value`, schema_version: 1, data: { id: 6, item: 'jar' } } });
    expect(bySubject.statusCode).toBe(200);
    expect((await read(topic, format)).slice(-3).map((r) => (r.value as { item: string }).item)).toEqual(['cup', 'mug', 'jar']);
  });

  it('refuses data that does not match the schema with 42205 and writes nothing of the batch', async () => {
    const before = await end(topic);
    const bad = await v2(topic, format, { value_schema: schema, records: [{ value: { id: 7, item: 'ok' } }, { value: { id: 'eight', item: 8 } }] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error_code).toBe(42205);
    const badV3 = await v3(topic, { value: { subject: `${topic}-value`, data: { id: 'x' } } });
    expect(badV3.json().error_code).toBe(42205);
    expect(await end(topic)).toBe(before);
  });
});

describe('schema errors', () => {
  it('answers a missing value schema with 42202 and a missing key schema with 42201', async () => {
    await createTopic('missing-schema');
    const noValue = await v2('missing-schema', 'avro', { records: [{ value: { id: 1 } }] });
    expect(noValue.json().error_code).toBe(42202);
    const noKey = await v2('missing-schema', 'avro', { value_schema: ORDER_AVRO, records: [{ key: 'k', value: { id: 1, item: 'x' } }] });
    expect(noKey.json().error_code).toBe(42201);
    expect(await end('missing-schema')).toBe(0);
  });

  it('answers an unknown schema id with 40403 and writes nothing', async () => {
    await createTopic('unknown-id');
    const response = await v2('unknown-id', 'avro', { value_schema_id: 99999, records: [{ value: { id: 1, item: 'x' } }] });
    expect(response.statusCode).toBe(404);
    expect(response.json().error_code).toBe(40403);
    expect(await end('unknown-id')).toBe(0);
  });

  it('registers under the record name strategies', async () => {
    await createTopic('strategies');
    const record = await v3('strategies', { value: { type: 'AVRO', schema: ORDER_AVRO, subject_name_strategy: 'RECORD_NAME', data: { id: 1, item: 'a' } } });
    expect(record.statusCode).toBe(200);
    expect(await client.getLatestSchemaId('shop.Order')).toBe(record.json().value.schema_id);
    const topicRecord = await v3('strategies', { value: { type: 'AVRO', schema: ORDER_AVRO, subject_name_strategy: 'TOPIC_RECORD_NAME', data: { id: 2, item: 'b' } } });
    expect(await client.getLatestSchemaId('strategies-shop.Order')).toBe(topicRecord.json().value.schema_id);
  });

  it('reports a record it cannot decode on that record and still returns the others', async () => {
    await createTopic('mixed');
    await v2('mixed', 'avro', { value_schema: ORDER_AVRO, records: [{ value: { id: 1, item: 'good' } }] });
    await v3('mixed', { value: { type: 'BINARY', data: Buffer.from([0, 0, 0, 0x7f, 0x7f, 1]).toString('base64') } });
    await v3('mixed', { value: { type: 'STRING', data: 'plain text' } });
    const records = await read('mixed', 'avro');
    expect(records).toHaveLength(3);
    expect(records[0].value).toEqual({ id: 1, item: 'good' });
    expect(records[1].error).toMatch(/Cannot decode as avro/);
    expect(records[2].error).toMatch(/Cannot decode as avro/);
    expect(records[2].value).toBe(Buffer.from('plain text').toString('base64'));
  });
});
