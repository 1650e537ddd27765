/**
 * The Schema Registry API as Confluent's clients see it: subjects, versions, ids, lookups, soft
 * and permanent deletes, malformed and oversized schemas, odd subject names — against a real
 * Redis, and the same suite against the in-memory registry.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { avroUser, JSON_ORDER, PROTO_ORDER, REGISTRY_JSON, describeOnEachBackend } from './registry-support.js';

describeOnEachBackend('the registry API', ({ call }) => {
  const register = async (subject: string, body: object, query = '') => call('POST', `/subjects/${encodeURIComponent(subject)}/versions${query}`, body);

  describe('registering', () => {
    it('answers exactly {"id"} in the registry content type', async () => {
      const response = await register('orders-value', { schema: avroUser() });
      expect(response).toMatchObject({ status: 200, body: { id: 1 }, contentType: REGISTRY_JSON });
    });

    it('answers version and schema too when the client accepts unknown properties', async () => {
      const response = await call(
        'POST',
        '/subjects/orders-value/versions',
        { schema: PROTO_ORDER, schemaType: 'PROTOBUF' },
        { 'confluent-accept-unknown-properties': 'true' },
      );
      expect(response.body).toEqual({ id: 1, version: 1, schemaType: 'PROTOBUF', schema: expect.stringContaining('message Order {') });
    });

    it.each(['application/vnd.schemaregistry.v1+json', 'application/vnd.schemaregistry+json', 'application/json', 'application/octet-stream'])(
      'takes a body sent as %s',
      async (type) => {
        const response = await call('POST', '/subjects/typed/versions', JSON.stringify({ schema: '"string"' }), { 'content-type': type });
        expect(response).toMatchObject({ status: 200, body: { id: 1 } });
      },
    );

    it('is idempotent: the same schema again answers the same id and adds no version', async () => {
      const first = await register('users-value', { schema: avroUser() });
      const again = await register('users-value', { schema: avroUser() });
      expect(again.body).toEqual(first.body);
      expect((await call('GET', '/subjects/users-value/versions')).body).toEqual([1]);
    });

    it('gives a schema that differs only in whitespace the same id', async () => {
      const compact = await register('users-value', { schema: avroUser() });
      const spaced = await register('users-value', { schema: JSON.stringify(JSON.parse(avroUser()), null, 4) });
      expect(spaced.body).toEqual(compact.body);
      const proto = await register('proto-value', { schema: PROTO_ORDER, schemaType: 'PROTOBUF' });
      const commented = await register('proto-value', { schema: `// orders\n${PROTO_ORDER.replace(/\n\s*/g, '   ')}`, schemaType: 'PROTOBUF' });
      expect(commented.body).toEqual(proto.body);
    });

    it('gives a reordered schema the same id only with ?normalize=true', async () => {
      await call('PUT', '/config/reordered', { compatibility: 'NONE' });
      const original = JSON.stringify({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] });
      const reordered = JSON.stringify({ required: ['a'], properties: { a: { type: 'string' } }, type: 'object' });
      const first = await register('reordered', { schema: original, schemaType: 'JSON' });
      expect((await register('reordered', { schema: reordered, schemaType: 'JSON' }, '?normalize=true')).body).toEqual(first.body);
      expect((await register('reordered', { schema: reordered, schemaType: 'JSON' })).body).not.toEqual(first.body);
      const avroReordered = JSON.stringify({ namespace: 'com.example', fields: [{ type: 'string', name: 'name' }], name: 'User', type: 'record' });
      const avro = await register('avro-reordered', { schema: avroUser() });
      expect((await register('avro-reordered', { schema: avroReordered })).body).toEqual(avro.body);
    });

    it('reuses the id of a schema registered under another subject', async () => {
      const a = await register('first', { schema: avroUser() });
      const b = await register('second', { schema: avroUser() });
      expect(b.body).toEqual(a.body);
      expect((await call('GET', `/schemas/ids/${a.body.id}/versions`)).body).toEqual([
        { subject: 'first', version: 1 },
        { subject: 'second', version: 1 },
      ]);
      expect((await call('GET', `/schemas/ids/${a.body.id}/subjects`)).body).toEqual(['first', 'second']);
    });

    it('gives different schemas different ids and versions in order', async () => {
      await call('PUT', '/config/evolving', { compatibility: 'NONE' });
      const ids = [];
      for (const schema of ['"string"', '"int"', '"long"']) ids.push((await register('evolving', { schema })).body.id);
      expect(new Set(ids).size).toBe(3);
      expect((await call('GET', '/subjects/evolving/versions')).body).toEqual([1, 2, 3]);
      expect((await call('GET', '/subjects/evolving/versions/latest')).body).toMatchObject({ version: 3, id: ids[2], schema: '"long"' });
    });

    it('refuses a version number that is not the next one (42201) outside IMPORT mode', async () => {
      const response = await register('versioned', { schema: avroUser(), version: 5 });
      expect(response).toMatchObject({ status: 422, body: { error_code: 42201 } });
      expect((await register('versioned', { schema: avroUser(), version: 1 })).status).toBe(200);
    });
  });

  describe('malformed schemas (42201)', () => {
    it.each([
      ['Avro that is not JSON', { schema: '{"type": "record", ' }],
      ['Avro with an unknown type name', { schema: avroUser([{ name: 'a', type: 'com.example.Missing' }]) }],
      ['Avro with a bad default', { schema: avroUser([{ name: 'a', type: 'int', default: 'seven' }]) }],
      ['Avro without fields', { schema: '{"type":"record","name":"R"}' }],
      ['Protobuf that does not parse', { schema: 'syntax = "proto3"; message M { int32 a = ; }', schemaType: 'PROTOBUF' }],
      ['Protobuf with an unknown field type', { schema: 'syntax = "proto3"; message M { Missing a = 1; }', schemaType: 'PROTOBUF' }],
      [
        'Protobuf importing a file it has no reference for',
        { schema: 'syntax = "proto3"; import "other.proto"; message M { int32 a = 1; }', schemaType: 'PROTOBUF' },
      ],
      ['Protobuf reusing a field number', { schema: 'syntax = "proto3"; message M { int32 a = 1; int32 b = 1; }', schemaType: 'PROTOBUF' }],
      ['JSON Schema that is not JSON', { schema: '{"type": ', schemaType: 'JSON' }],
      ['JSON Schema with an invalid keyword value', { schema: '{"type": "objekt"}', schemaType: 'JSON' }],
      ['JSON Schema with an unresolvable $ref', { schema: '{"$ref": "missing.json"}', schemaType: 'JSON' }],
      ['JSON Schema that is an array', { schema: '[]', schemaType: 'JSON' }],
      ['an unknown schema type', { schema: '"string"', schemaType: 'XML' }],
      ['an empty schema', { schema: '' }],
      ['no schema at all', {}],
      ['a schema that is not a string', { schema: { type: 'string' } }],
    ])('refuses %s and stores nothing', async (_case, body) => {
      const response = await register('malformed', body);
      expect(response).toMatchObject({ status: 422, body: { error_code: 42201, message: expect.any(String) } });
      expect((await call('GET', '/subjects')).body).toEqual([]);
    });

    it('refuses a schema over 1 MiB (42209) before parsing it', async () => {
      const fields = Array.from({ length: 40_000 }, (_, i) => ({ name: `field_number_${i}`, type: 'string' }));
      const response = await register('huge', { schema: avroUser(fields) });
      expect(response).toMatchObject({ status: 422, body: { error_code: 42209 } });
      expect(response.body.message).toMatch(/too large/);
    });

    it('answers 400 for a body that is not JSON', async () => {
      const response = await call('POST', '/subjects/x/versions', '{not json', { 'content-type': REGISTRY_JSON });
      expect(response.status).toBe(400);
    });
  });

  describe('reading', () => {
    it('serves a schema by id, leaving out the type for Avro and giving it otherwise', async () => {
      const avro = (await register('a', { schema: avroUser() })).body.id;
      const proto = (await register('p', { schema: PROTO_ORDER, schemaType: 'PROTOBUF' })).body.id;
      const json = (await register('j', { schema: JSON_ORDER, schemaType: 'JSON' })).body.id;
      // Asked twice: the second answer is the text kept from the first, with the same type.
      for (let i = 0; i < 2; i++) {
        const byId = await call('GET', `/schemas/ids/${avro}`);
        expect(byId).toMatchObject({ status: 200, contentType: REGISTRY_JSON });
        expect(byId.body).toEqual({ schema: avroUser() });
      }
      expect((await call('GET', `/schemas/ids/${proto}`)).body).toEqual({ schemaType: 'PROTOBUF', schema: expect.stringContaining('package shop;') });
      expect((await call('GET', `/schemas/ids/${json}?subject=j`)).body).toEqual({ schemaType: 'JSON', schema: JSON_ORDER });
      const raw = await call('GET', `/schemas/ids/${avro}/schema`);
      expect(raw).toMatchObject({ status: 200, body: JSON.parse(avroUser()), contentType: REGISTRY_JSON });
    });

    it('answers 40403 for an unknown schema id', async () => {
      for (const url of ['/schemas/ids/999', '/schemas/ids/999/schema', '/schemas/ids/999/versions', '/schemas/ids/abc']) {
        expect(await call('GET', url)).toMatchObject({ status: 404, body: { error_code: 40403 }, contentType: REGISTRY_JSON });
      }
    });

    it('lists the schema types', async () => {
      expect((await call('GET', '/schemas/types')).body).toEqual(['JSON', 'PROTOBUF', 'AVRO']);
    });

    it('serves a version with its subject, id and schema, and its schema alone', async () => {
      const { id } = (await register('users-value', { schema: avroUser() })).body;
      expect((await call('GET', '/subjects/users-value/versions/1')).body).toEqual({ subject: 'users-value', version: 1, id, schema: avroUser() });
      expect((await call('GET', '/subjects/users-value/versions/latest')).body.version).toBe(1);
      expect((await call('GET', '/subjects/users-value/versions/-1')).body.version).toBe(1);
      expect((await call('GET', '/subjects/users-value/versions/1/schema')).body).toEqual(JSON.parse(avroUser()));
    });

    it('answers 40401 for an unknown subject, 40402 for an unknown version, 42202 for an invalid one', async () => {
      await register('users-value', { schema: avroUser() });
      expect((await call('GET', '/subjects/nobody/versions')).body.error_code).toBe(40401);
      expect((await call('GET', '/subjects/nobody/versions/1')).body.error_code).toBe(40401);
      expect((await call('GET', '/subjects/nobody/versions/latest')).body.error_code).toBe(40401);
      expect(await call('GET', '/subjects/users-value/versions/2')).toMatchObject({ status: 404, body: { error_code: 40402 } });
      for (const version of ['0', '-2', 'abc', '1.5', '2147483648']) {
        expect(await call('GET', `/subjects/users-value/versions/${version}`)).toMatchObject({ status: 422, body: { error_code: 42202 } });
      }
    });

    it('lists subjects, filtered by prefix, sorted', async () => {
      for (const subject of ['orders-value', 'orders-key', 'users-value']) await register(subject, { schema: '"string"' });
      expect((await call('GET', '/subjects')).body).toEqual(['orders-key', 'orders-value', 'users-value']);
      expect((await call('GET', '/subjects?subjectPrefix=orders')).body).toEqual(['orders-key', 'orders-value']);
    });
  });

  describe('looking a schema up in a subject (POST /subjects/{subject})', () => {
    it('answers the version that holds it', async () => {
      const { id } = (await register('users-value', { schema: avroUser() })).body;
      const response = await call('POST', '/subjects/users-value', { schema: JSON.stringify(JSON.parse(avroUser()), null, 2) });
      expect(response.body).toEqual({ subject: 'users-value', version: 1, id, schema: avroUser() });
    });

    it('answers 40403 for a schema the subject does not hold, 40401 for an unknown subject, 42201 for a malformed one', async () => {
      await register('users-value', { schema: avroUser() });
      await register('other', { schema: '"string"' });
      expect(await call('POST', '/subjects/users-value', { schema: '"string"' })).toMatchObject({ status: 404, body: { error_code: 40403 } });
      expect(await call('POST', '/subjects/nobody', { schema: '"string"' })).toMatchObject({ status: 404, body: { error_code: 40401 } });
      expect(await call('POST', '/subjects/users-value', { schema: '{"type":' })).toMatchObject({ status: 422, body: { error_code: 42201 } });
    });

    it('finds a soft-deleted version only with ?deleted=true', async () => {
      await register('users-value', { schema: avroUser() });
      await call('DELETE', '/subjects/users-value/versions/1');
      expect((await call('POST', '/subjects/users-value', { schema: avroUser() })).body.error_code).toBe(40401);
      expect((await call('POST', '/subjects/users-value?deleted=true', { schema: avroUser() })).body).toMatchObject({ version: 1, deleted: true });
    });
  });

  describe('deleting versions', () => {
    beforeEach(async () => {
      await call('PUT', '/config/s', { compatibility: 'NONE' });
      for (const schema of ['"string"', '"int"']) await register('s', { schema });
    });

    it('soft-deletes a version: hidden unless asked for with ?deleted=true', async () => {
      expect(await call('DELETE', '/subjects/s/versions/2')).toMatchObject({ status: 200, body: 2 });
      expect((await call('GET', '/subjects/s/versions')).body).toEqual([1]);
      expect((await call('GET', '/subjects/s/versions?deleted=true')).body).toEqual([1, 2]);
      expect((await call('GET', '/subjects/s/versions?deletedOnly=true')).body).toEqual([2]);
      expect((await call('GET', '/subjects/s/versions/2')).body.error_code).toBe(40402);
      expect((await call('GET', '/subjects/s/versions/2?deleted=true')).body).toMatchObject({ version: 2, schema: '"int"', deleted: true });
      expect((await call('GET', '/subjects/s/versions/latest')).body.version).toBe(1);
    });

    it('answers 40406 when soft-deleting a soft-deleted version and 40407 when permanently deleting a live one', async () => {
      await call('DELETE', '/subjects/s/versions/2');
      expect(await call('DELETE', '/subjects/s/versions/2')).toMatchObject({ status: 404, body: { error_code: 40406 } });
      expect(await call('DELETE', '/subjects/s/versions/1?permanent=true')).toMatchObject({ status: 404, body: { error_code: 40407 } });
    });

    it('permanently deletes a soft-deleted version', async () => {
      await call('DELETE', '/subjects/s/versions/2');
      expect(await call('DELETE', '/subjects/s/versions/2?permanent=true')).toMatchObject({ status: 200, body: 2 });
      expect((await call('GET', '/subjects/s/versions?deleted=true')).body).toEqual([1]);
      expect((await call('GET', '/subjects/s/versions/2?deleted=true')).body.error_code).toBe(40402);
    });

    it('answers 40401/40402 for deleting what does not exist and 42202 for an invalid version', async () => {
      expect((await call('DELETE', '/subjects/nobody/versions/1')).body.error_code).toBe(40401);
      expect((await call('DELETE', '/subjects/s/versions/9')).body.error_code).toBe(40402);
      expect((await call('DELETE', '/subjects/s/versions/zero')).body.error_code).toBe(42202);
    });

    it('continues version numbers past soft-deleted versions, and re-registering a deleted schema makes a new version with its old id', async () => {
      const intId = (await call('GET', '/subjects/s/versions/2')).body.id;
      await call('DELETE', '/subjects/s/versions/2');
      expect((await call('POST', '/subjects/s/versions', { schema: '"long"' }, { 'confluent-accept-unknown-properties': 'true' })).body.version).toBe(3);
      const again = await call('POST', '/subjects/s/versions', { schema: '"int"' }, { 'confluent-accept-unknown-properties': 'true' });
      expect(again.body).toMatchObject({ id: intId, version: 4 });
    });

    it('deletes `latest`: the newest live version', async () => {
      expect((await call('DELETE', '/subjects/s/versions/latest')).body).toBe(2);
      expect((await call('DELETE', '/subjects/s/versions/latest')).body).toBe(1);
      expect((await call('DELETE', '/subjects/s/versions/latest')).body.error_code).toBe(40402);
    });
  });

  describe('deleting subjects', () => {
    beforeEach(async () => {
      await call('PUT', '/config/s', { compatibility: 'NONE' });
      for (const schema of ['"string"', '"int"']) await register('s', { schema });
    });

    it('soft-deletes, then permanently deletes a subject, answering its versions', async () => {
      expect((await call('DELETE', '/subjects/s')).body).toEqual([1, 2]);
      expect((await call('GET', '/subjects')).body).toEqual([]);
      expect((await call('GET', '/subjects?deleted=true')).body).toEqual(['s']);
      expect((await call('GET', '/subjects?deletedOnly=true')).body).toEqual(['s']);
      expect((await call('GET', '/subjects/s/versions')).body.error_code).toBe(40401);
      expect((await call('DELETE', '/subjects/s?permanent=true')).body).toEqual([1, 2]);
      expect((await call('GET', '/subjects?deleted=true')).body).toEqual([]);
      expect((await call('GET', '/subjects/s/versions?deleted=true')).body.error_code).toBe(40401);
    });

    it('answers 40404 for soft-deleting a soft-deleted subject and 40405 for permanently deleting a live one', async () => {
      expect(await call('DELETE', '/subjects/s?permanent=true')).toMatchObject({ status: 404, body: { error_code: 40405 } });
      await call('DELETE', '/subjects/s');
      expect(await call('DELETE', '/subjects/s')).toMatchObject({ status: 404, body: { error_code: 40404 } });
      expect((await call('DELETE', '/subjects/nobody')).body.error_code).toBe(40401);
    });

    it("drops the subject's own config when the subject is permanently deleted", async () => {
      await call('DELETE', '/subjects/s');
      expect((await call('GET', '/config/s')).body).toEqual({ compatibilityLevel: 'NONE' });
      await call('DELETE', '/subjects/s?permanent=true');
      expect((await call('GET', '/config/s')).body.error_code).toBe(40408);
    });

    it('keeps a schema id while any version holds it, and gives the same schema the same id after', async () => {
      const { id } = (await call('GET', '/subjects/s/versions/1')).body;
      await register('other', { schema: '"string"' });
      await call('DELETE', '/subjects/s');
      await call('DELETE', '/subjects/s?permanent=true');
      expect((await call('GET', `/schemas/ids/${id}`)).body).toEqual({ schema: '"string"' });
      await call('DELETE', '/subjects/other');
      expect((await call('GET', `/schemas/ids/${id}`)).status).toBe(200);
      await call('DELETE', '/subjects/other?permanent=true');
      expect((await call('GET', `/schemas/ids/${id}`)).body.error_code).toBe(40403);
      expect((await register('again', { schema: '"string"' })).body.id).toBe(id);
    });
  });

  describe('subject names', () => {
    it.each(['with/slash', 'with space', 'ünïcødé-主题', 'colon:and{braces}', 'dots.and-dashes_ok', 'x'.repeat(300)])(
      'work end to end for %j',
      async (subject) => {
        const path = `/subjects/${encodeURIComponent(subject)}`;
        const { id } = (await register(subject, { schema: avroUser() })).body;
        expect((await call('GET', '/subjects')).body).toEqual([subject]);
        expect((await call('GET', `${path}/versions/1`)).body).toMatchObject({ subject, id });
        expect((await call('POST', path, { schema: avroUser() })).body).toMatchObject({ subject, version: 1 });
        expect((await call('GET', `/schemas/ids/${id}/versions`)).body).toEqual([{ subject, version: 1 }]);
        expect((await call('DELETE', path)).body).toEqual([1]);
        expect((await call('DELETE', `${path}?permanent=true`)).body).toEqual([1]);
      },
    );

    it('refuses a subject with control characters (42208)', async () => {
      expect(await register('bad\u0001subject', { schema: '"string"' })).toMatchObject({ status: 422, body: { error_code: 42208 } });
    });
  });
});
