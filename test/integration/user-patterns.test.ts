/**
 * Regular expressions that clients send — JSON Schema `pattern` and `patternProperties`, v2
 * `topic_pattern` — run on a linear-time engine, so none of them can hold the event loop that
 * every other client shares. `^(a+)+$` against 32 a's and a `!` takes a backtracking engine
 * minutes; each test here has a few seconds, so a stall fails it (a liveness check: no timing is
 * asserted). Patterns the engine cannot run are refused when the schema is registered.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;

beforeAll(async () => {
  redis = await suiteRedis();
  gw = await startGateway({ redisUrl: redis.url });
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

const LIVENESS = 5_000;
const CATASTROPHIC = '^(a+)+$';
const HOSTILE = `${'a'.repeat(32)}!`;
const REGISTRY = { 'content-type': 'application/vnd.schemaregistry.v1+json' };

const inject = (options: InjectOptions) => gw.app.inject(options);
const register = async (subject: string, schema: object) => {
  const response = await inject({
    method: 'POST',
    url: `/subjects/${subject}/versions`,
    headers: REGISTRY,
    payload: { schemaType: 'JSON', schema: JSON.stringify(schema) },
  });
  return { status: response.statusCode, body: response.json() };
};
const registered = async (subject: string, schema: object) => {
  const { status, body } = await register(subject, schema);
  expect(status).toBe(200);
  return body.id as number;
};
let topics = 0;
const topicFor = async () => {
  const topic = `patterns-${++topics}`;
  expect((await inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: topic, partitions_count: 1 } })).statusCode).toBe(201);
  return topic;
};
const produce = async (topic: string, schemaId: number, data: unknown) => {
  const response = await inject({
    method: 'POST',
    url: `${gw.v3}/topics/${topic}/records`,
    headers: { 'content-type': 'application/json' },
    payload: { value: { schema_id: schemaId, data } },
  });
  return { status: response.statusCode, body: response.json() };
};

describe('JSON Schema patterns on produce', () => {
  it('answers a catastrophic `pattern` against a hostile value with the validation error', { timeout: LIVENESS }, async () => {
    const topic = await topicFor();
    const id = await registered(`${topic}-value`, { type: 'string', pattern: CATASTROPHIC });
    expect(await produce(topic, id, HOSTILE)).toMatchObject({
      status: 422,
      body: { error_code: 42205, message: expect.stringContaining(`must match pattern "${CATASTROPHIC}"`) },
    });
    expect(await produce(topic, id, 'a'.repeat(32))).toMatchObject({ status: 200, body: { offset: 0 } });
  });

  it('answers a catastrophic `patternProperties` key against a hostile property name', { timeout: LIVENESS }, async () => {
    const topic = await topicFor();
    const id = await registered(`${topic}-value`, { type: 'object', patternProperties: { [CATASTROPHIC]: { type: 'integer' } }, additionalProperties: false });
    expect(await produce(topic, id, { [HOSTILE]: 1 })).toMatchObject({
      status: 422,
      body: { error_code: 42205, message: expect.stringContaining('must NOT have additional properties') },
    });
    expect(await produce(topic, id, { aaa: 'one' })).toMatchObject({
      status: 422,
      body: { error_code: 42205, message: expect.stringContaining('/aaa must be integer') },
    });
    expect(await produce(topic, id, { aaa: 1 })).toMatchObject({ status: 200 });
  });

  // Each schema holds two patterns, so a mix-up between the patterns of one schema shows too.
  it.each([
    { pattern: '^[a-z]+$', good: ['abc', 'z'], bad: ['abC', 'ab1', ''] },
    { pattern: '\\d{3}', good: ['x123y', '000'], bad: ['12', '١٢٣'] },
    { pattern: '^\\p{L}+$', good: ['héllo', 'Ωμέγα', '中文'], bad: ['a1', 'a b'] },
    { pattern: '^\\p{Lu}', good: ['Émile', 'Zed'], bad: ['émile', '1A'] },
    { pattern: '^.{2}$', good: ['😀😀', 'ab'], bad: ['a\n', 'abc'] },
    { pattern: '^\\S+@\\S+$', good: ['me@example.com'], bad: ['me @example.com', 'me@\u00a0'] },
  ])('validates with $pattern as ECMA-262 does', async ({ pattern, good, bad }) => {
    const topic = await topicFor();
    const id = await registered(`${topic}-value`, {
      type: 'object',
      properties: { text: { type: 'string', pattern } },
      patternProperties: { '^x-[a-z]+$': { type: 'number' } },
    });
    for (const text of good) expect([text, (await produce(topic, id, { text, 'x-n': 1 })).status]).toEqual([text, 200]);
    for (const text of bad)
      expect([text, (await produce(topic, id, { text })).body]).toEqual([
        text,
        expect.objectContaining({ error_code: 42205, message: expect.stringContaining('/text must match pattern') }),
      ]);
    expect((await produce(topic, id, { text: good[0], 'x-n': 'one' })).body).toMatchObject({
      error_code: 42205,
      message: expect.stringContaining('/x-n must be number'),
    });
  });
});

describe('JSON Schema patterns RE2 cannot run', () => {
  it.each([
    { pattern: '^(?!admin$)[a-z]+$', why: 'lookahead' },
    { pattern: '(?<=\\$)\\d+', why: 'lookbehind' },
    { pattern: '^(["\'])\\w*\\1$', why: 'backreferences' },
  ])('refuses a schema with $why at registration, with 42201 naming the pattern, and stores nothing', async ({ pattern, why }) => {
    const subject = `refused-${why}`;
    for (const schema of [
      { type: 'string', pattern },
      { type: 'object', patternProperties: { [pattern]: {} } },
    ]) {
      const { status, body } = await register(subject, schema);
      expect(status).toBe(422);
      expect(body.error_code).toBe(42201);
      expect(body.message).toContain(`pattern ${JSON.stringify(pattern)}`);
      expect(body.message).toContain(why);
    }
    expect((await inject({ url: `/subjects/${subject}/versions` })).json()).toMatchObject({ error_code: 40401 });
  });

  it('refuses such a schema given inline to produce, writing nothing', async () => {
    const topic = await topicFor();
    const response = await inject({
      method: 'POST',
      url: `${gw.v3}/topics/${topic}/records`,
      headers: { 'content-type': 'application/json' },
      payload: { value: { type: 'JSONSCHEMA', schema: JSON.stringify({ type: 'string', pattern: '^(?=a)' }), data: 'a' } },
    });
    expect(response.json()).toMatchObject({ error_code: 42201, message: expect.stringContaining('lookahead') });
    expect((await inject({ url: `/topics/${topic}/partitions/0/offsets` })).json().end_offset).toBe(0);
  });
});

describe('JSON Schema patterns in compatibility checks', () => {
  it("checks a reader with catastrophic patternProperties against the writer's property names", { timeout: LIVENESS }, async () => {
    await registered('compat-names', { type: 'object', properties: { [HOSTILE]: { type: 'integer' }, aaa: { type: 'integer' } }, additionalProperties: false });
    const check = await inject({
      method: 'POST',
      url: '/compatibility/subjects/compat-names/versions/latest?verbose=true',
      headers: REGISTRY,
      payload: {
        schemaType: 'JSON',
        schema: JSON.stringify({ type: 'object', patternProperties: { [CATASTROPHIC]: { type: 'integer' } }, additionalProperties: false }),
      },
    });
    expect(check.json()).toEqual({
      is_compatible: false,
      messages: [expect.stringMatching(new RegExp(`^PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL .*'${HOSTILE}'`))],
    });
  });

  it("checks a reader with a catastrophic pattern against the writer's listed values", { timeout: LIVENESS }, async () => {
    await registered('compat-values', { type: 'string', enum: [HOSTILE, 'aaa'] });
    const check = await inject({
      method: 'POST',
      url: '/compatibility/subjects/compat-values/versions/latest?verbose=true',
      headers: REGISTRY,
      payload: { schemaType: 'JSON', schema: JSON.stringify({ type: 'string', pattern: CATASTROPHIC }) },
    });
    expect(check.json()).toMatchObject({ is_compatible: false, messages: [expect.stringContaining(`rejects the writer's value ${JSON.stringify(HOSTILE)}`)] });
  });
});

describe('v2 topic_pattern', () => {
  it('subscribes with a catastrophic pattern against a hostile topic name', { timeout: LIVENESS }, async () => {
    for (const topic of ['aaaa', `${'a'.repeat(32)}-`]) {
      expect((await inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: topic, partitions_count: 1 } })).statusCode).toBe(201);
    }
    const V2 = { 'content-type': 'application/vnd.kafka.v2+json' };
    expect((await inject({ method: 'POST', url: '/consumers/g-patterns', headers: V2, payload: { name: 'c', format: 'json' } })).statusCode).toBe(200);
    const instance = '/consumers/g-patterns/instances/c';
    expect((await inject({ method: 'POST', url: `${instance}/subscription`, headers: V2, payload: { topic_pattern: '(a+)+' } })).statusCode).toBe(204);
    expect((await inject({ url: `${instance}/subscription` })).json()).toEqual({ topics: ['aaaa'] });
    const lookahead = await inject({ method: 'POST', url: `${instance}/subscription`, headers: V2, payload: { topic_pattern: '(?!x).*' } });
    expect(lookahead.json()).toMatchObject({ error_code: 422, message: expect.stringContaining('lookahead') });
    await inject({ method: 'DELETE', url: instance });
  });
});
