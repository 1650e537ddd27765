/**
 * The real client @kafkajs/confluent-schema-registry, pointed at the gateway over HTTP, works
 * unchanged: registering, ids, encoding and decoding in all three formats — and the bytes it
 * writes are read by the gateway's serde and the other way round.
 */
import type { AddressInfo } from 'node:net';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteRedis } from '../support/redis.js';
import { avroUser, JSON_ORDER, PROTO_ORDER, startRegistryGateway, type RegistryGateway } from './registry-support.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gateway: RegistryGateway;
let client: SchemaRegistry;

beforeAll(async () => {
  redis = await suiteRedis();
  gateway = await startRegistryGateway({ redisUrl: redis.url });
  await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = gateway.app.server.address() as AddressInfo;
  client = new SchemaRegistry({ host: `http://127.0.0.1:${port}`, retry: { retries: 0 } });
});

afterAll(async () => {
  await gateway?.close();
  await redis?.stop();
});

const serde = () => gateway.app.services.registry.serde;

describe('the @kafkajs/confluent-schema-registry client', () => {
  it('registers an Avro schema, gets its id back by subject and by version, and is idempotent', async () => {
    const schema = avroUser([
      { name: 'name', type: 'string' },
      { name: 'age', type: 'int' },
    ]);
    const { id } = await client.register({ type: SchemaType.AVRO, schema }, { subject: 'client-avro-value' });
    expect(id).toBeGreaterThan(0);
    expect(await client.getLatestSchemaId('client-avro-value')).toBe(id);
    expect(await client.getRegistryId('client-avro-value', 1)).toBe(id);
    expect(await client.getRegistryIdBySchema('client-avro-value', { type: SchemaType.AVRO, schema })).toBe(id);
    expect((await client.register({ type: SchemaType.AVRO, schema }, { subject: 'client-avro-value' })).id).toBe(id);
    // The client set the subject's level right after its first registration.
    expect((await gateway.call('GET', '/config/client-avro-value')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('derives the subject of an Avro record from its namespace and name', async () => {
    const { id } = await client.register(JSON.parse(avroUser()));
    expect(await client.getLatestSchemaId('com.example.User')).toBe(id);
  });

  it('encodes and decodes Avro, and its bytes and ours are interchangeable', async () => {
    const schema = avroUser([
      { name: 'name', type: 'string' },
      { name: 'visits', type: 'long' },
    ]);
    const { id } = await client.register({ type: SchemaType.AVRO, schema }, { subject: 'client-avro-bytes' });
    const user = { name: 'Ada', visits: 42 };
    const theirs = await client.encode(id, user);
    expect(theirs[0]).toBe(0);
    expect(theirs.readInt32BE(1)).toBe(id);
    expect(await serde().decode(theirs)).toEqual({ schemaId: id, schemaType: 'AVRO', value: user });
    const ours = await serde().encode(id, user);
    expect(ours.equals(theirs)).toBe(true);
    expect({ ...(await client.decode(ours)) }).toEqual(user);
  });

  it('encodes and decodes Protobuf, reading the index-less bytes it writes and writing the [0] shortcut it reads', async () => {
    const { id } = await client.register({ type: SchemaType.PROTOBUF, schema: PROTO_ORDER }, { subject: 'client-proto-value' });
    expect(await client.getLatestSchemaId('client-proto-value')).toBe(id);
    const order = { id: 'o-1', amount: 1250 };
    const theirs = await client.encode(id, order);
    expect((await serde().decode(theirs)).value).toEqual({ id: 'o-1', amount: '1250' });
    const ours = await serde().encode(id, { id: 'o-1', amount: '1250' });
    expect(ours[5]).toBe(0);
    const decoded = (await client.decode(ours)) as { toJSON(): unknown };
    expect(decoded.toJSON()).toEqual({ id: 'o-1', amount: '1250' });
  });

  it('encodes and decodes JSON Schema, and its bytes and ours are interchangeable', async () => {
    const { id } = await client.register({ type: SchemaType.JSON, schema: JSON_ORDER }, { subject: 'client-json-value' });
    const order = { id: 'o-2', amount: 9.5 };
    const theirs = await client.encode(id, order);
    expect((await serde().decode(theirs)).value).toEqual(order);
    const ours = await serde().encode(id, order);
    expect(ours.equals(theirs)).toBe(true);
    expect(await client.decode(ours)).toEqual(order);
    await expect(client.encode(id, { amount: 1 })).rejects.toThrow();
    await expect(serde().encode(id, { amount: 1 })).rejects.toMatchObject({ errorCode: 42205 });
  });

  it('is refused with 409 when a registration breaks compatibility', async () => {
    await client.register({ type: SchemaType.AVRO, schema: avroUser() }, { subject: 'client-refused' });
    await expect(client.register({ type: SchemaType.JSON, schema: JSON_ORDER }, { subject: 'client-refused' })).rejects.toMatchObject({ status: 409 });
  });
});
