/** JSON Schema cases, from Confluent's documented rules for open and closed content models: the reader must accept every document the writer allows. */
import type { CompatibilityCase } from './case.js';

const json = (schema: object) => JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...schema });
const object = (properties: object, extra: object = {}) => json({ type: 'object', properties, ...extra });
const closed = (properties: object, extra: object = {}) => object(properties, { additionalProperties: false, ...extra });
const id = { type: 'string' };
const amount = { type: 'number' };
const field = (schema: object) => object({ value: schema });
/** For keywords of draft 2019-09 and later (prefixItems, dependentRequired, unevaluatedProperties…). */
const draft2020 = { $schema: 'https://json-schema.org/draft/2020-12/schema' };
const field2020 = (schema: object) => object({ value: schema }, draft2020);

const address = (extra: object) => JSON.stringify({ $id: 'https://example.com/address.json', type: 'object', properties: { street: { type: 'string' }, zip: { type: 'string' } }, ...extra });
const withAddress = (extra: object) => ({
  schema: object({ id, address: { $ref: 'address.json' } }),
  references: [{ name: 'address.json', schema: address(extra) }],
});
const withDefinition = (definition: object, keyword = 'definitions') => json({ type: 'object', properties: { price: { $ref: `#/${keyword}/price` } }, [keyword]: { price: definition } });
const status = (symbols: string[]) => field({ type: 'string', enum: symbols });

export const jsonSchemaCases: CompatibilityCase[] = [
  { name: 'adding a property to an open content model', type: 'JSON', old: [object({ id })], new: object({ id, amount }), level: 'BACKWARD', compatible: false },
  { name: 'adding a property to a closed content model', type: 'JSON', old: [closed({ id })], new: closed({ id, amount }), level: 'BACKWARD', compatible: true },
  { name: 'adding a property the open model already allowed as anything', type: 'JSON', old: [object({ id })], new: object({ id, note: {} }), level: 'BACKWARD', compatible: true },
  { name: 'removing a property from an open content model', type: 'JSON', old: [object({ id, amount })], new: object({ id }), level: 'BACKWARD', compatible: true },
  { name: 'removing a property from a closed content model', type: 'JSON', old: [closed({ id, amount })], new: closed({ id }), level: 'BACKWARD', compatible: false },
  { name: 'removing a property covered by the reader\'s additionalProperties schema', type: 'JSON', old: [closed({ id, amount })], new: object({ id }, { additionalProperties: { type: 'number' } }), level: 'BACKWARD', compatible: true },
  { name: 'adding a required property', type: 'JSON', old: [object({ id, amount }, { required: ['id'] })], new: object({ id, amount }, { required: ['id', 'amount'] }), level: 'BACKWARD', compatible: false },
  { name: 'removing a required property', type: 'JSON', old: [object({ id, amount }, { required: ['id', 'amount'] })], new: object({ id, amount }, { required: ['id'] }), level: 'BACKWARD', compatible: true },
  { name: 'opening a closed content model', type: 'JSON', old: [closed({ id })], new: object({ id }, { additionalProperties: true }), level: 'BACKWARD', compatible: true },
  { name: 'closing an open content model', type: 'JSON', old: [object({ id }, { additionalProperties: true })], new: closed({ id }), level: 'BACKWARD', compatible: false },
  { name: 'narrowing number to integer', type: 'JSON', old: [field(amount)], new: field({ type: 'integer' }), level: 'BACKWARD', compatible: false },
  { name: 'widening integer to number', type: 'JSON', old: [field({ type: 'integer' })], new: field(amount), level: 'BACKWARD', compatible: true },
  { name: 'making a property non-nullable', type: 'JSON', old: [field({ type: ['string', 'null'] })], new: field({ type: 'string' }), level: 'BACKWARD', compatible: false },
  { name: 'making a property nullable', type: 'JSON', old: [field({ type: 'string' })], new: field({ type: ['string', 'null'] }), level: 'BACKWARD', compatible: true },
  { name: 'changing string to number', type: 'JSON', old: [field({ type: 'string' })], new: field(amount), level: 'BACKWARD', compatible: false },
  { name: 'extending an enum', type: 'JSON', old: [status(['NEW', 'PAID'])], new: status(['NEW', 'PAID', 'SHIPPED']), level: 'BACKWARD', compatible: true },
  { name: 'narrowing an enum', type: 'JSON', old: [status(['NEW', 'PAID', 'SHIPPED'])], new: status(['NEW', 'PAID']), level: 'BACKWARD', compatible: false },
  { name: 'extending an enum both ways', type: 'JSON', old: [status(['NEW', 'PAID'])], new: status(['NEW', 'PAID', 'SHIPPED']), level: 'FULL', compatible: false },
  { name: 'extending an enum, read by the old schema', type: 'JSON', old: [status(['NEW', 'PAID'])], new: status(['NEW', 'PAID', 'SHIPPED']), level: 'FORWARD', compatible: false },
  { name: 'tightening maxLength', type: 'JSON', old: [field({ type: 'string', maxLength: 20 })], new: field({ type: 'string', maxLength: 10 }), level: 'BACKWARD', compatible: false },
  { name: 'relaxing maxLength', type: 'JSON', old: [field({ type: 'string', maxLength: 10 })], new: field({ type: 'string', maxLength: 20 }), level: 'BACKWARD', compatible: true },
  { name: 'adding a minLength', type: 'JSON', old: [field({ type: 'string' })], new: field({ type: 'string', minLength: 1 }), level: 'BACKWARD', compatible: false },
  { name: 'raising a minimum', type: 'JSON', old: [field({ type: 'number', minimum: 0 })], new: field({ type: 'number', minimum: 1 }), level: 'BACKWARD', compatible: false },
  { name: 'lowering a minimum', type: 'JSON', old: [field({ type: 'number', minimum: 1 })], new: field({ type: 'number', minimum: 0 }), level: 'BACKWARD', compatible: true },
  { name: 'removing a maximum', type: 'JSON', old: [field({ type: 'number', maximum: 100 })], new: field(amount), level: 'BACKWARD', compatible: true },
  { name: 'making an inclusive maximum exclusive', type: 'JSON', old: [field({ type: 'number', maximum: 100 })], new: field({ type: 'number', exclusiveMaximum: 100 }), level: 'BACKWARD', compatible: false },
  { name: 'widening array items', type: 'JSON', old: [field({ type: 'array', items: { type: 'string' } })], new: field({ type: 'array', items: { type: ['string', 'number'] } }), level: 'BACKWARD', compatible: true },
  { name: 'narrowing array items', type: 'JSON', old: [field({ type: 'array', items: { type: 'number' } })], new: field({ type: 'array', items: { type: 'integer' } }), level: 'BACKWARD', compatible: false },
  { name: 'turning a type into a oneOf that includes it', type: 'JSON', old: [field({ type: 'string' })], new: field({ oneOf: [{ type: 'string' }, { type: 'number' }] }), level: 'BACKWARD', compatible: true },
  { name: 'adding a oneOf branch', type: 'JSON', old: [field({ oneOf: [{ type: 'string' }, { type: 'number' }] })], new: field({ oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }), level: 'BACKWARD', compatible: true },
  { name: 'removing a oneOf branch', type: 'JSON', old: [field({ oneOf: [{ type: 'string' }, { type: 'number' }] })], new: field({ oneOf: [{ type: 'string' }] }), level: 'BACKWARD', compatible: false },
  { name: 'removing an anyOf branch', type: 'JSON', old: [field({ anyOf: [{ type: 'string' }, { type: 'number' }] })], new: field({ anyOf: [{ type: 'number' }] }), level: 'BACKWARD', compatible: false },
  { name: 'adding an allOf part', type: 'JSON', old: [field({ allOf: [{ type: 'string' }] })], new: field({ allOf: [{ type: 'string' }, { maxLength: 5 }] }), level: 'BACKWARD', compatible: false },
  { name: 'removing an allOf part', type: 'JSON', old: [field({ allOf: [{ type: 'string' }, { maxLength: 5 }] })], new: field({ allOf: [{ type: 'string' }] }), level: 'BACKWARD', compatible: true },
  { name: 'narrowing a local definition', type: 'JSON', old: [withDefinition({ type: 'number' })], new: withDefinition({ type: 'integer' }), level: 'BACKWARD', compatible: false },
  { name: 'widening a $defs definition', type: 'JSON', old: [withDefinition({ type: 'integer' }, '$defs')], new: withDefinition({ type: 'number' }, '$defs'), level: 'BACKWARD', compatible: true },
  { name: 'requiring a property in a referenced schema', type: 'JSON', old: [withAddress({})], new: withAddress({ required: ['zip'] }), level: 'BACKWARD', compatible: false },
  { name: 'dropping a requirement in a referenced schema', type: 'JSON', old: [withAddress({ required: ['zip'] })], new: withAddress({}), level: 'BACKWARD', compatible: true },
  { name: 'narrowing a pattern property', type: 'JSON', old: [closed({ id }, { patternProperties: { '^x-': { type: 'number' } } })], new: closed({ id }, { patternProperties: { '^x-': { type: 'integer' } } }), level: 'BACKWARD', compatible: false },
  { name: 'a property removed but still matched by the reader\'s pattern', type: 'JSON', old: [closed({ id, 'x-rate': amount })], new: closed({ id }, { patternProperties: { '^x-': { type: 'number' } } }), level: 'BACKWARD', compatible: true },
  { name: 'appending a tuple position', type: 'JSON', old: [field({ type: 'array', items: [{ type: 'string' }], additionalItems: false })], new: field({ type: 'array', items: [{ type: 'string' }, { type: 'number' }], additionalItems: false }), level: 'BACKWARD', compatible: true },
  { name: 'closing a tuple', type: 'JSON', old: [field2020({ type: 'array', prefixItems: [{ type: 'string' }] })], new: field2020({ type: 'array', prefixItems: [{ type: 'string' }], items: false }), level: 'BACKWARD', compatible: false },
  { name: 'a multipleOf the old one divides', type: 'JSON', old: [field({ type: 'number', multipleOf: 0.5 })], new: field({ type: 'number', multipleOf: 0.25 }), level: 'BACKWARD', compatible: true },
  { name: 'a const the new enum lists', type: 'JSON', old: [field({ const: 'NEW' })], new: field({ type: 'string', enum: ['NEW', 'PAID'], maxLength: 4 }), level: 'BACKWARD', compatible: true },
  { name: 'excluding fewer values with not', type: 'JSON', old: [field({ not: { type: 'number' } })], new: field({ not: { type: 'integer' } }), level: 'BACKWARD', compatible: true },
  { name: 'excluding more values with not', type: 'JSON', old: [field({ not: { type: 'integer' } })], new: field({ not: { type: 'number' } }), level: 'BACKWARD', compatible: false },
  { name: 'adding a not the old type never meets', type: 'JSON', old: [field({ type: 'string' })], new: field({ type: 'string', not: { type: 'number' } }), level: 'BACKWARD', compatible: true },
  { name: 'removing a property dependency', type: 'JSON', old: [object({ id, amount }, { dependencies: { amount: ['id'] } })], new: object({ id, amount }), level: 'BACKWARD', compatible: true },
  { name: 'adding a property dependency', type: 'JSON', old: [object({ id, amount })], new: object({ id, amount }, { ...draft2020, dependentRequired: { amount: ['id'] } }), level: 'BACKWARD', compatible: false },
  { name: 'a dependency the old schema already guaranteed by required', type: 'JSON', old: [object({ id, amount }, { required: ['id'] })], new: object({ id, amount }, { ...draft2020, required: ['id'], dependentRequired: { amount: ['id'] } }), level: 'BACKWARD', compatible: true },
  { name: 'restricting the property names of an open model', type: 'JSON', old: [object({ id })], new: object({ id }, { propertyNames: { maxLength: 8 } }), level: 'BACKWARD', compatible: false },
  { name: 'restricting property names a closed model already meets', type: 'JSON', old: [closed({ id, amount })], new: closed({ id, amount }, { propertyNames: { maxLength: 8 } }), level: 'BACKWARD', compatible: true },
  { name: 'lowering minContains', type: 'JSON', old: [field2020({ type: 'array', contains: { type: 'number' }, minContains: 2 })], new: field2020({ type: 'array', contains: { type: 'number' }, minContains: 1 }), level: 'BACKWARD', compatible: true },
  { name: 'adding contains', type: 'JSON', old: [field({ type: 'array' })], new: field({ type: 'array', contains: { type: 'number' } }), level: 'BACKWARD', compatible: false },
  { name: 'unevaluatedProperties read as additionalProperties', type: 'JSON', old: [closed({ id, amount })], new: object({ id }, { ...draft2020, unevaluatedProperties: false }), level: 'BACKWARD', compatible: false },
  { name: 'closing with unevaluatedProperties what additionalProperties closed', type: 'JSON', old: [closed({ id })], new: object({ id }, { ...draft2020, unevaluatedProperties: false }), level: 'FULL', compatible: true },
  { name: 'requiring uniqueItems', type: 'JSON', old: [field({ type: 'array' })], new: field({ type: 'array', uniqueItems: true }), level: 'BACKWARD', compatible: false },
  { name: 'anything under NONE', type: 'JSON', old: [field({ type: 'string' })], new: field(amount), level: 'NONE', compatible: true },
  // v2 replaced v1's statuses (registered under NONE), v3 extends v2's.
  { name: 'extending an enum that replaced an earlier one (latest only)', type: 'JSON', old: [status(['NEW', 'PAID']), status(['OPEN'])], new: status(['OPEN', 'CLOSED']), level: 'BACKWARD', compatible: true },
  { name: 'extending an enum that replaced an earlier one (all versions)', type: 'JSON', old: [status(['NEW', 'PAID']), status(['OPEN'])], new: status(['OPEN', 'CLOSED']), level: 'BACKWARD_TRANSITIVE', compatible: false },
  // Old readers allowed 5 then 10 characters; the new writer allows 8.
  { name: 'a maxLength within the latest reader\'s (latest only)', type: 'JSON', old: [field({ type: 'string', maxLength: 5 }), field({ type: 'string', maxLength: 10 })], new: field({ type: 'string', maxLength: 8 }), level: 'FORWARD', compatible: true },
  { name: 'a maxLength within the latest reader\'s (all versions)', type: 'JSON', old: [field({ type: 'string', maxLength: 5 }), field({ type: 'string', maxLength: 10 })], new: field({ type: 'string', maxLength: 8 }), level: 'FORWARD_TRANSITIVE', compatible: false },
  { name: 'an unchanged schema under every rule (all versions)', type: 'JSON', old: [object({ id }), object({ id })], new: object({ id }), level: 'FULL_TRANSITIVE', compatible: true },
  { name: 'a type widened since the first version, both ways (all versions)', type: 'JSON', old: [field({ type: 'integer' }), field(amount)], new: field(amount), level: 'FULL_TRANSITIVE', compatible: false },
];
