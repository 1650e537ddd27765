/**
 * Schema references for Avro (named types), Protobuf (imports) and JSON Schema ($ref): resolved
 * when parsing (transitively), served back, kept consistent on delete — against a real Redis and
 * against the in-memory registry.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { avroUser, describeOnEachBackend } from './registry-support.js';

const ADDRESS = JSON.stringify({ type: 'record', name: 'Address', namespace: 'com.example', fields: [{ name: 'city', type: 'string' }] });
const USER_WITH_ADDRESS = avroUser([
  { name: 'name', type: 'string' },
  { name: 'home', type: 'com.example.Address' },
]);
const addressReference = { name: 'com.example.Address', subject: 'address', version: 1 };

const MONEY = 'syntax = "proto3";\npackage common;\nmessage Money {\n  string currency = 1;\n  int64 units = 2;\n}\n';
const ORDER = 'syntax = "proto3";\npackage shop;\nimport "common.proto";\nmessage Order {\n  string id = 1;\n  common.Money total = 2;\n}\n';

const JSON_ADDRESS = JSON.stringify({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });
const JSON_PERSON = JSON.stringify({
  $id: 'https://example.com/schemas/person.json',
  type: 'object',
  properties: { address: { $ref: 'address.json' } },
  required: ['address'],
});

describeOnEachBackend('schema references', (gateway) => {
  const { call } = gateway;
  const serde = () => gateway.app.services.registry.serde;
  const idOf = async (subject: string, version = 1) => (await call('GET', `/subjects/${subject}/versions/${version}`)).body.id as number;

  describe('Avro (named types)', () => {
    beforeEach(async () => {
      await call('POST', '/subjects/address/versions', { schema: ADDRESS });
    });

    it('registers a schema that uses a referenced type, and serves its references back', async () => {
      const { id } = (await call('POST', '/subjects/user/versions', { schema: USER_WITH_ADDRESS, references: [addressReference] })).body;
      expect((await call('GET', '/subjects/user/versions/1')).body).toMatchObject({ id, references: [addressReference] });
      expect((await call('GET', `/schemas/ids/${id}`)).body).toEqual({ schema: USER_WITH_ADDRESS, references: [addressReference] });
      expect((await call('GET', '/subjects/address/versions/1/referencedby')).body).toEqual([id]);
    });

    it('encodes and decodes with the referenced type', async () => {
      const { id } = (await call('POST', '/subjects/user/versions', { schema: USER_WITH_ADDRESS, references: [addressReference] })).body;
      const value = { name: 'Ada', home: { city: 'London' } };
      expect((await serde().decode(await serde().encode(id, value))).value).toEqual(value);
    });

    it('refuses a schema whose type is neither defined nor referenced, and a reference to nothing (42201)', async () => {
      expect((await call('POST', '/subjects/user/versions', { schema: USER_WITH_ADDRESS })).body.error_code).toBe(42201);
      for (const reference of [
        { ...addressReference, subject: 'nobody' },
        { ...addressReference, version: 2 },
      ]) {
        const response = await call('POST', '/subjects/user/versions', { schema: USER_WITH_ADDRESS, references: [reference] });
        expect(response).toMatchObject({ status: 422, body: { error_code: 42201, message: expect.stringContaining('does not exist') } });
      }
      expect(
        (await call('POST', '/subjects/user/versions', { schema: USER_WITH_ADDRESS, references: [{ subject: 'address', version: 1 }] })).body.error_code,
      ).toBe(42201);
    });

    it('stores `version: -1` as the concrete latest version', async () => {
      await call('POST', '/subjects/user/versions', { schema: USER_WITH_ADDRESS, references: [{ ...addressReference, version: -1 }] });
      expect((await call('GET', '/subjects/user/versions/1')).body.references).toEqual([addressReference]);
    });

    it('resolves references transitively', async () => {
      const place = JSON.stringify({ type: 'record', name: 'Place', namespace: 'com.example', fields: [{ name: 'address', type: 'com.example.Address' }] });
      await call('POST', '/subjects/place/versions', { schema: place, references: [addressReference] });
      const visitor = avroUser([{ name: 'at', type: 'com.example.Place' }]);
      const { id } = (
        await call('POST', '/subjects/visitor/versions', { schema: visitor, references: [{ name: 'com.example.Place', subject: 'place', version: 1 }] })
      ).body;
      const value = { at: { address: { city: 'Oslo' } } };
      expect((await serde().decode(await serde().encode(id, value))).value).toEqual(value);
    });

    it('refuses to delete a referenced version or subject (42206) until the referrer is gone', async () => {
      const userId = (await call('POST', '/subjects/user/versions', { schema: USER_WITH_ADDRESS, references: [addressReference] })).body.id;
      expect(await call('DELETE', '/subjects/address/versions/1')).toMatchObject({ status: 422, body: { error_code: 42206 } });
      expect((await call('DELETE', '/subjects/address')).body.error_code).toBe(42206);

      // A soft-deleted referrer no longer blocks a soft delete, but still blocks a permanent one.
      await call('DELETE', '/subjects/user/versions/1');
      expect((await call('GET', '/subjects/address/versions/1/referencedby')).body).toEqual([]);
      expect((await call('GET', '/subjects/address/versions/1/referencedby?deleted=true')).body).toEqual([userId]);
      expect((await call('DELETE', '/subjects/address/versions/1')).body).toBe(1);
      expect((await call('DELETE', '/subjects/address/versions/1?permanent=true')).body.error_code).toBe(42206);

      await call('DELETE', '/subjects/user/versions/1?permanent=true');
      expect((await call('DELETE', '/subjects/address/versions/1?permanent=true')).body).toBe(1);
    });

    it('deletes a subject whose versions reference only each other', async () => {
      await call('PUT', '/config/mixed', { compatibility: 'NONE' });
      await call('POST', '/subjects/mixed/versions', { schema: ADDRESS });
      await call('POST', '/subjects/mixed/versions', { schema: USER_WITH_ADDRESS, references: [{ ...addressReference, subject: 'mixed' }] });
      expect((await call('DELETE', '/subjects/mixed/versions/1')).body.error_code).toBe(42206);
      expect((await call('DELETE', '/subjects/mixed')).body).toEqual([1, 2]);
      expect((await call('DELETE', '/subjects/mixed?permanent=true')).body).toEqual([1, 2]);
    });
  });

  describe('Protobuf (imports)', () => {
    beforeEach(async () => {
      await call('POST', '/subjects/money/versions', { schema: MONEY, schemaType: 'PROTOBUF' });
    });

    it('registers a file importing a referenced file, and encodes messages using its types', async () => {
      const references = [{ name: 'common.proto', subject: 'money', version: 1 }];
      const { id } = (await call('POST', '/subjects/order/versions', { schema: ORDER, schemaType: 'PROTOBUF', references })).body;
      expect((await call('GET', `/schemas/ids/${id}`)).body).toMatchObject({ schemaType: 'PROTOBUF', references });
      const value = { id: 'o-1', total: { currency: 'EUR', units: '1999' } };
      expect((await serde().decode(await serde().encode(id, value))).value).toEqual(value);
      expect((await call('DELETE', '/subjects/money/versions/1')).body.error_code).toBe(42206);
    });

    it('refuses an import with no reference (42201) but takes the well-known types without one', async () => {
      expect((await call('POST', '/subjects/order/versions', { schema: ORDER, schemaType: 'PROTOBUF' })).body.error_code).toBe(42201);
      const event = 'syntax = "proto3";\nimport "google/protobuf/timestamp.proto";\nmessage Event {\n  google.protobuf.Timestamp at = 1;\n}\n';
      const { id } = (await call('POST', '/subjects/event/versions', { schema: event, schemaType: 'PROTOBUF' })).body;
      const value = { at: { seconds: '1700000000', nanos: 5 } };
      expect((await serde().decode(await serde().encode(id, value))).value).toEqual(value);
    });
  });

  describe('JSON Schema ($ref)', () => {
    beforeEach(async () => {
      await call('POST', '/subjects/json-address/versions', { schema: JSON_ADDRESS, schemaType: 'JSON' });
    });

    it('resolves a $ref by reference name, also relative to the schema $id, and validates through it', async () => {
      const references = [{ name: 'address.json', subject: 'json-address', version: 1 }];
      const { id } = (await call('POST', '/subjects/person/versions', { schema: JSON_PERSON, schemaType: 'JSON', references })).body;
      expect((await call('GET', '/subjects/json-address/versions/1/referencedby')).body).toEqual([id]);
      const value = { address: { city: 'Lisbon' } };
      expect((await serde().decode(await serde().encode(id, value))).value).toEqual(value);
      await expect(serde().encode(id, { address: {} })).rejects.toMatchObject({ errorCode: 42205, message: expect.stringContaining('city') });
      expect(await idOf('person')).toBe(id);
    });

    it('refuses a $ref no reference provides (42201)', async () => {
      expect((await call('POST', '/subjects/person/versions', { schema: JSON_PERSON, schemaType: 'JSON' })).body.error_code).toBe(42201);
    });
  });
});
