/**
 * Compatibility configs, modes (READONLY, IMPORT with explicit ids) and the compatibility test
 * endpoint, global and per subject — against a real Redis and against the in-memory registry.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { avroUser, JSON_ORDER, describeOnEachBackend } from './registry-support.js';

describeOnEachBackend('registry settings', ({ call }) => {
  describe('compatibility config', () => {
    it('is BACKWARD globally until set; reads say compatibilityLevel, writes take compatibility', async () => {
      expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
      expect(await call('PUT', '/config', { compatibility: 'FULL_TRANSITIVE' })).toMatchObject({ status: 200, body: { compatibility: 'FULL_TRANSITIVE' } });
      expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
    });

    it('answers 40408 for a subject without its own level, unless defaultToGlobal', async () => {
      await call('PUT', '/config', { compatibility: 'FORWARD' });
      expect(await call('GET', '/config/orders-value')).toMatchObject({ status: 404, body: { error_code: 40408 } });
      expect((await call('GET', '/config/orders-value?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'FORWARD' });
    });

    it('sets a subject level (any case), which then wins over the global one', async () => {
      expect((await call('PUT', '/config/orders-value', { compatibility: 'none' })).body).toEqual({ compatibility: 'NONE' });
      expect((await call('GET', '/config/orders-value')).body).toEqual({ compatibilityLevel: 'NONE' });
      expect((await call('GET', '/config/orders-value?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'NONE' });
    });

    it('keeps the normalize flag beside the level', async () => {
      await call('PUT', '/config/norm', { compatibility: 'NONE', normalize: true });
      expect((await call('GET', '/config/norm')).body).toEqual({ compatibilityLevel: 'NONE', normalize: true });
      const original = await call('POST', '/subjects/norm/versions', { schema: '{"type":"object","required":["a"]}', schemaType: 'JSON' });
      // The subject normalizes by default: a reordered duplicate maps to the same id.
      expect((await call('POST', '/subjects/norm/versions', { schema: '{"required":["a"],"type":"object"}', schemaType: 'JSON' })).body).toEqual(original.body);
    });

    it.each([{ compatibility: 'SIDEWAYS' }, { compatibility: 7 }, {}, { normalize: 'yes' }])('refuses %j with 42203', async (body) => {
      expect(await call('PUT', '/config', body)).toMatchObject({ status: 422, body: { error_code: 42203 } });
      expect(await call('PUT', '/config/s', body)).toMatchObject({ status: 422, body: { error_code: 42203 } });
      expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    });

    it('deletes a subject level (answering it), and 40401 when there is none', async () => {
      await call('PUT', '/config/orders-value', { compatibility: 'FULL' });
      expect((await call('DELETE', '/config/orders-value')).body).toEqual({ compatibilityLevel: 'FULL' });
      expect((await call('GET', '/config/orders-value')).body.error_code).toBe(40408);
      expect(await call('DELETE', '/config/orders-value')).toMatchObject({ status: 404, body: { error_code: 40401 } });
    });

    it('resets the global level to BACKWARD on delete', async () => {
      await call('PUT', '/config', { compatibility: 'NONE' });
      expect((await call('DELETE', '/config')).body).toEqual({ compatibilityLevel: 'NONE' });
      expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    });
  });

  describe('modes', () => {
    it('is READWRITE globally until set; a subject without its own mode answers 40409 unless defaultToGlobal', async () => {
      expect((await call('GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
      expect(await call('GET', '/mode/s')).toMatchObject({ status: 404, body: { error_code: 40409 } });
      expect((await call('GET', '/mode/s?defaultToGlobal=true')).body).toEqual({ mode: 'READWRITE' });
    });

    it('refuses registrations and deletes in READONLY (42205), but still serves reads', async () => {
      await call('POST', '/subjects/s/versions', { schema: avroUser() });
      expect((await call('PUT', '/mode/s', { mode: 'READONLY' })).body).toEqual({ mode: 'READONLY' });
      expect(await call('POST', '/subjects/s/versions', { schema: '"string"' })).toMatchObject({ status: 422, body: { error_code: 42205 } });
      expect((await call('DELETE', '/subjects/s/versions/1')).body.error_code).toBe(42205);
      expect((await call('DELETE', '/subjects/s')).body.error_code).toBe(42205);
      expect((await call('GET', '/subjects/s/versions/1')).status).toBe(200);
      expect((await call('POST', '/subjects/other/versions', { schema: '"string"' })).status).toBe(200);
      expect((await call('DELETE', '/mode/s')).body).toEqual({ mode: 'READONLY' });
      expect((await call('POST', '/subjects/s/versions', { schema: avroUser() })).status).toBe(200);
    });

    it('applies a global READONLY to every subject', async () => {
      await call('PUT', '/mode', { mode: 'readonly' });
      expect((await call('GET', '/mode')).body).toEqual({ mode: 'READONLY' });
      expect((await call('POST', '/subjects/any/versions', { schema: '"string"' })).body.error_code).toBe(42205);
    });

    it.each([{ mode: 'WRITEONLY' }, {}, { mode: 3 }])('refuses %j with 42204', async (body) => {
      expect(await call('PUT', '/mode', body)).toMatchObject({ status: 422, body: { error_code: 42204 } });
      expect(await call('PUT', '/mode/s', body)).toMatchObject({ status: 422, body: { error_code: 42204 } });
    });

    it('answers 40401 when deleting a subject mode that is not set', async () => {
      expect((await call('DELETE', '/mode/s')).body.error_code).toBe(40401);
    });

    it('refuses IMPORT over existing schemas (42205) unless forced', async () => {
      await call('POST', '/subjects/s/versions', { schema: avroUser() });
      expect((await call('PUT', '/mode/s', { mode: 'IMPORT' })).body.error_code).toBe(42205);
      expect((await call('PUT', '/mode', { mode: 'IMPORT' })).body.error_code).toBe(42205);
      expect((await call('PUT', '/mode/s?force=true', { mode: 'IMPORT' })).body).toEqual({ mode: 'IMPORT' });
    });

    it('imports schemas with explicit ids and versions in IMPORT mode, and new ids continue past them', async () => {
      await call('PUT', '/mode/imported', { mode: 'IMPORT' });
      const imported = await call(
        'POST',
        '/subjects/imported/versions',
        { schema: avroUser(), id: 100, version: 7 },
        { 'confluent-accept-unknown-properties': 'true' },
      );
      expect(imported.body).toMatchObject({ id: 100, version: 7 });
      expect((await call('GET', '/schemas/ids/100')).body).toEqual({ schema: avroUser() });
      const repeated = await call(
        'POST',
        '/subjects/imported/versions',
        { schema: avroUser(), id: 100, version: 7 },
        { 'confluent-accept-unknown-properties': 'true' },
      );
      expect(repeated.body).toMatchObject({ id: 100, version: 7 });
      expect((await call('POST', '/subjects/imported/versions', { schema: '"string"' })).body.error_code).toBe(42205);
      // The id belongs to another schema: overwriting it is not permitted.
      expect((await call('POST', '/subjects/imported/versions', { schema: '"string"', id: 100 })).body.error_code).toBe(42205);
      expect((await call('POST', '/subjects/imported/versions', { schema: '"int"', id: 101, version: 7 })).body.error_code).toBe(42205);
      // An explicit id outside IMPORT mode is refused too.
      expect((await call('POST', '/subjects/elsewhere/versions', { schema: '"string"', id: 5 })).body.error_code).toBe(42205);
      const fresh = await call('POST', '/subjects/elsewhere/versions', { schema: '"string"' });
      expect(fresh.body.id).toBeGreaterThan(100);
    });
  });

  describe('the compatibility test endpoint', () => {
    beforeEach(async () => {
      await call('POST', '/subjects/s/versions', { schema: avroUser() });
    });

    it('answers is_compatible, with reasons only when verbose', async () => {
      expect((await call('POST', '/compatibility/subjects/s/versions/latest', { schema: avroUser() })).body).toEqual({ is_compatible: true });
      expect((await call('POST', '/compatibility/subjects/s/versions/1?verbose=true', { schema: avroUser() })).body).toEqual({
        is_compatible: true,
        messages: [],
      });
      const changed = await call('POST', '/compatibility/subjects/s/versions/latest?verbose=true', { schema: JSON_ORDER, schemaType: 'JSON' });
      expect(changed.body).toEqual({ is_compatible: false, messages: [expect.stringContaining('schema type')] });
      expect((await call('POST', '/compatibility/subjects/s/versions', { schema: JSON_ORDER, schemaType: 'JSON' })).body).toEqual({ is_compatible: false });
    });

    it('is always compatible under NONE and against a subject with no versions', async () => {
      expect((await call('POST', '/compatibility/subjects/empty/versions/latest', { schema: avroUser() })).body).toEqual({ is_compatible: true });
      await call('PUT', '/config/s', { compatibility: 'NONE' });
      expect((await call('POST', '/compatibility/subjects/s/versions/latest', { schema: JSON_ORDER, schemaType: 'JSON' })).body).toEqual({
        is_compatible: true,
      });
    });

    it('answers 40401, 40402 and 42202 for a missing subject, a missing version and an invalid one', async () => {
      expect((await call('POST', '/compatibility/subjects/nobody/versions/1', { schema: avroUser() })).body.error_code).toBe(40401);
      expect((await call('POST', '/compatibility/subjects/s/versions/9', { schema: avroUser() })).body.error_code).toBe(40402);
      expect((await call('POST', '/compatibility/subjects/s/versions/nine', { schema: avroUser() })).body.error_code).toBe(42202);
    });

    it('answers 42201 for a malformed schema, or a reason when verbose', async () => {
      expect((await call('POST', '/compatibility/subjects/s/versions/latest', { schema: '{"type"' })).body.error_code).toBe(42201);
      const verbose = await call('POST', '/compatibility/subjects/s/versions/latest?verbose=true', { schema: '{"type"' });
      expect(verbose.body).toEqual({ is_compatible: false, messages: [expect.stringContaining('Invalid schema')] });
    });
  });

  describe('registration against the subject level', () => {
    it('refuses an incompatible schema with 409 and error_code 409, and stores nothing', async () => {
      await call('POST', '/subjects/s/versions', { schema: avroUser() });
      const refused = await call('POST', '/subjects/s/versions', { schema: JSON_ORDER, schemaType: 'JSON' });
      expect(refused).toMatchObject({ status: 409, body: { error_code: 409, message: expect.stringContaining('incompatible') } });
      expect((await call('GET', '/subjects/s/versions')).body).toEqual([1]);
    });

    it('ignores soft-deleted versions', async () => {
      await call('POST', '/subjects/s/versions', { schema: avroUser() });
      await call('DELETE', '/subjects/s/versions/1');
      const accepted = await call(
        'POST',
        '/subjects/s/versions',
        { schema: JSON_ORDER, schemaType: 'JSON' },
        { 'confluent-accept-unknown-properties': 'true' },
      );
      expect(accepted.body).toMatchObject({ version: 2, schemaType: 'JSON' });
    });
  });
});
