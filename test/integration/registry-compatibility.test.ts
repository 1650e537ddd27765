/**
 * Format-level compatibility through the HTTP API: under BACKWARD the registry refuses, with
 * 409, a new version whose Avro, Protobuf or JSON Schema rules say it cannot read the latest
 * one, accepts one that can, and the compatibility test endpoint lists the reasons when verbose.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { suiteRedis } from '../support/redis.js';
import { avroUser, JSON_ORDER, PROTO_ORDER, startRegistryGateway, type RegistryGateway } from './registry-support.js';

const PROTO_ORDER_AMOUNT_AS_STRING = PROTO_ORDER.replace('int64 amount = 2;', 'string amount = 2;');
const PROTO_ORDER_WITH_NOTE = PROTO_ORDER.replace('int64 amount = 2;', 'int64 amount = 2;\n  string note = 3;');
const jsonOrder = (change: (schema: { properties: object; required: string[] }) => object) => JSON.stringify(change(JSON.parse(JSON_ORDER)));

const FORMATS = [
  {
    format: 'Avro',
    schemaType: 'AVRO',
    first: avroUser(),
    breaking: avroUser([
      { name: 'name', type: 'string' },
      { name: 'email', type: 'string' },
    ]),
    compatible: avroUser([
      { name: 'name', type: 'string' },
      { name: 'email', type: 'string', default: '' },
    ]),
    reason: /^READER_FIELD_MISSING_DEFAULT_VALUE at \/fields\/1 'email'/,
  },
  {
    format: 'Protobuf',
    schemaType: 'PROTOBUF',
    first: PROTO_ORDER,
    breaking: PROTO_ORDER_AMOUNT_AS_STRING,
    compatible: PROTO_ORDER_WITH_NOTE,
    reason: /^FIELD_SCALAR_KIND_CHANGED at Order\.amount \(#2\)/,
  },
  {
    format: 'JSON Schema',
    schemaType: 'JSON',
    first: JSON_ORDER,
    breaking: jsonOrder((schema) => ({ ...schema, required: ['id', 'amount'] })),
    compatible: jsonOrder((schema) => ({ ...schema, required: [] })),
    reason: /^REQUIRED_ATTRIBUTE_ADDED at \/required: .*'amount'/,
  },
] as const;

let redis: Awaited<ReturnType<typeof suiteRedis>>;
beforeAll(async () => {
  redis = await suiteRedis();
});
afterAll(async () => redis?.stop());

describe.each(FORMATS)('$format compatibility over HTTP', ({ schemaType, first, breaking, compatible, reason }) => {
  let call: RegistryGateway['call'];
  const subject = `orders-${schemaType.toLowerCase()}-value`;
  const register = (schema: string) => call('POST', `/subjects/${subject}/versions`, { schema, schemaType });

  beforeEach(async () => {
    const gateway = await startRegistryGateway({ redisUrl: redis.url });
    call = gateway.call;
    expect(await register(first)).toMatchObject({ status: 200, body: { id: 1 } });
    return () => gateway.close();
  });

  it('refuses under BACKWARD a version that cannot read the latest, with 409, and stores nothing', async () => {
    const refused = await register(breaking);
    expect(refused).toMatchObject({ status: 409, body: { error_code: 409 } });
    expect(refused.body.message).toMatch(/incompatible/);
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
  });

  it('registers a version that can read the latest', async () => {
    expect(await register(compatible)).toMatchObject({ status: 200, body: { id: 2 } });
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2]);
  });

  it('lists the reasons at the compatibility endpoint when verbose', async () => {
    const verbose = await call('POST', `/compatibility/subjects/${subject}/versions/latest?verbose=true`, { schema: breaking, schemaType });
    expect(verbose).toMatchObject({ status: 200, body: { is_compatible: false } });
    expect(verbose.body.messages).toContainEqual(expect.stringMatching(reason));
    const quiet = await call('POST', `/compatibility/subjects/${subject}/versions/latest`, { schema: compatible, schemaType });
    expect(quiet.body).toEqual({ is_compatible: true });
  });

  it('accepts the breaking version once the subject is set to NONE', async () => {
    await call('PUT', `/config/${subject}`, { compatibility: 'NONE' });
    expect(await register(breaking)).toMatchObject({ status: 200, body: { id: 2 } });
  });
});
