import { createRequire } from 'node:module';
import { Ajv, type AnySchema, type AnySchemaObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ResolvedSchema } from '../compatibility/types.js';
import { compilePattern, linearRegExp } from '../../patterns.js';
import { isObject } from '../compatibility/json-schema-documents.js';
import { sortedJson, type ParsedSchema } from './parsed-schema.js';

const require = createRequire(import.meta.url);
const draft06 = require('ajv/dist/refs/json-schema-draft-06.json') as AnySchema;
// ajv-formats is CommonJS: under NodeNext its plugin function is the `default` of the module.
const addFormats = addFormatsModule.default;

function parseJson(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'boolean' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new Error(`${what} must be a JSON object or a boolean`);
  }
  return value;
}

const withoutFragment = (uri: string) => uri.replace(/#.*$/, '');

/** Ajv for the draft the schema declares: 2020-12, 2019-09, or draft-07 (which also takes draft-06 and, leniently, draft-04). */
function ajvFor(schema: unknown, loadSchema: Options['loadSchema']): { ajv: Ajv; schema: AnySchema } {
  // A schema's patterns come from clients: they run on RE2, in time linear in the value.
  const options: Options = { strict: false, allErrors: true, loadSchema, validateFormats: true, code: { regExp: linearRegExp } };
  const declared = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  const draft = typeof declared === 'string' ? declared : '';
  let ajv: Ajv;
  let compiled = schema as AnySchema;
  if (draft.includes('2020-12')) ajv = new Ajv2020(options);
  else if (draft.includes('2019-09')) ajv = new Ajv2019(options);
  else {
    ajv = new Ajv(options);
    if (draft.includes('draft-06')) ajv.addMetaSchema(draft06 as AnySchemaObject);
    // Ajv 8 has no draft-04 meta-schema: validate such schemas by the draft-07 rules.
    if (draft.includes('draft-04')) compiled = { ...(schema as object), $schema: undefined } as AnySchema;
  }
  addFormats(ajv);
  return { ajv, schema: compiled };
}

/**
 * Compiles a JSON Schema with Ajv. A `$ref` to another schema is resolved against the
 * references: by reference name (exactly, or as the last segment of the URL Ajv asks for), or
 * by the referenced schema's `$id`.
 */
export async function compileJsonSchema(resolved: ResolvedSchema): Promise<ValidateFunction> {
  const references = resolved.references.map((reference) => {
    const schema = parseJson(reference.schema, `Reference '${reference.name}'`);
    const id = typeof schema === 'object' && schema !== null ? (schema as { $id?: unknown }).$id : undefined;
    return { name: reference.name, id: typeof id === 'string' ? withoutFragment(id) : undefined, schema };
  });
  const loadSchema = async (uri: string): Promise<AnySchemaObject> => {
    const wanted = withoutFragment(uri);
    const match = references.find((reference) => reference.name === wanted || wanted.endsWith(`/${reference.name}`) || reference.id === wanted);
    if (!match) throw new Error(`can't resolve reference ${uri}: no schema reference has that name`);
    // A boolean schema, as an object Ajv can register under a URI.
    if (typeof match.schema === 'boolean') return match.schema ? {} : { not: {} };
    return structuredClone(match.schema) as AnySchemaObject;
  };
  const { ajv, schema } = ajvFor(parseJson(resolved.schema, 'The schema'), loadSchema);
  return typeof schema === 'boolean' ? ajv.compile(schema) : ajv.compileAsync(schema);
}

const SUBSCHEMA = [
  'additionalItems',
  'additionalProperties',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'items',
  'contentSchema',
];
const SUBSCHEMA_LISTS = ['items', 'prefixItems', 'allOf', 'anyOf', 'oneOf'];
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'dependencies'];

/**
 * Compiles every `pattern` and `patternProperties` key of a schema, so that a pattern RE2 cannot
 * run is refused at registration also where Ajv never compiles it (a pattern property whose
 * schema accepts anything): the compatibility checks still read it.
 */
function checkPatterns(node: unknown): void {
  if (!isObject(node)) return;
  if (typeof node.pattern === 'string') compilePattern(node.pattern);
  if (isObject(node.patternProperties)) Object.keys(node.patternProperties).forEach((pattern) => compilePattern(pattern));
  for (const keyword of SUBSCHEMA) checkPatterns(node[keyword]);
  for (const keyword of SUBSCHEMA_LISTS) if (Array.isArray(node[keyword])) node[keyword].forEach(checkPatterns);
  for (const keyword of SUBSCHEMA_MAPS) if (isObject(node[keyword])) Object.values(node[keyword]).forEach(checkPatterns);
}

export async function parseJsonSchema(resolved: ResolvedSchema): Promise<ParsedSchema> {
  await compileJsonSchema(resolved);
  const value = parseJson(resolved.schema, 'The schema');
  checkPatterns(value);
  return { schemaType: 'JSON', canonical: JSON.stringify(value), normalized: JSON.stringify(sortedJson(value)) };
}
