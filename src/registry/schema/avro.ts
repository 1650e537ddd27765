import avro from 'avsc';
import type { ResolvedSchema } from '../compatibility/types.js';
import { sortedJson, type ParsedSchema } from './parsed-schema.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

function parseJson(text: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Compiles an Avro schema with avsc: the referenced schemas first (each a named type, in
 * dependency order) into one registry, so the schema can use their names.
 */
export function avroType(resolved: ResolvedSchema): avro.Type {
  const registry: Record<string, avro.Type> = {};
  for (const reference of resolved.references) {
    avro.Type.forSchema(parseJson(reference.schema, `Reference '${reference.name}'`) as avro.Schema, { registry });
  }
  return avro.Type.forSchema(parseJson(resolved.schema, 'The schema') as avro.Schema, { registry });
}

const isObject = (value: Json): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Attribute order of the canonical form (the order Avro's own printer uses); others follow alphabetically. */
const SCHEMA_KEYS = [
  'type',
  'name',
  'namespace',
  'doc',
  'aliases',
  'fields',
  'symbols',
  'items',
  'values',
  'size',
  'default',
  'order',
  'logicalType',
  'precision',
  'scale',
];
const FIELD_KEYS = ['name', 'type', 'doc', 'default', 'order', 'aliases'];

function ordered(object: JsonObject, first: string[], map: (key: string, value: Json) => Json): JsonObject {
  const keys = [
    ...first.filter((key) => key in object),
    ...Object.keys(object)
      .filter((key) => !first.includes(key))
      .sort(),
  ];
  return Object.fromEntries(keys.map((key) => [key, map(key, object[key])]));
}

/** The lossless canonical form: the same schema with its attributes in a fixed order (values such as defaults untouched). */
function canonicalNode(node: Json): Json {
  if (Array.isArray(node)) return node.map(canonicalNode);
  if (!isObject(node)) return node;
  return ordered(node, SCHEMA_KEYS, (key, value) => {
    if (key === 'type' || key === 'items' || key === 'values') return canonicalNode(value);
    if (key === 'fields' && Array.isArray(value)) {
      return value.map((field) => (isObject(field) ? ordered(field, FIELD_KEYS, (k, v) => (k === 'type' ? canonicalNode(v) : v)) : field));
    }
    return value;
  });
}

function fullName(name: string, namespace: string): string {
  if (name.includes('.') || PRIMITIVES.has(name)) return name;
  return namespace ? `${namespace}.${name}` : name;
}

const namespaceOf = (name: string) => (name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '');

/** Attributes beyond the structural ones, sorted; `doc` is dropped, aliases become full names. */
function extras(node: JsonObject, structural: string[], namespace: string): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(node).sort()) {
    if (structural.includes(key) || key === 'doc' || key === 'namespace') continue;
    const value = node[key];
    if (key === 'aliases' && Array.isArray(value)) out.aliases = value.map((alias) => (typeof alias === 'string' ? fullName(alias, namespace) : alias)).sort();
    else if (key === 'order' && value === 'ascending') continue;
    else out[key] = sortedJson(value) as Json;
  }
  return out;
}

/**
 * The normalized form: Avro's Parsing Canonical Form (full names, primitives collapsed, fixed
 * attribute order, no whitespace, no docs) extended with the attributes that change what data
 * means — defaults, aliases, field order, logical types and custom properties — so two schemas
 * that read data differently never share an id.
 */
function normalizedNode(node: Json, namespace: string): Json {
  if (typeof node === 'string') return fullName(node, namespace);
  if (Array.isArray(node)) return node.map((branch) => normalizedNode(branch, namespace));
  if (!isObject(node)) return node;
  const type = node.type;
  if (typeof type === 'string' && PRIMITIVES.has(type)) {
    const rest = extras(node, ['type'], namespace);
    return Object.keys(rest).length === 0 ? type : { type, ...rest };
  }
  if (typeof type === 'string' && NAMED.has(type) && typeof node.name === 'string') {
    const name = fullName(node.name, typeof node.namespace === 'string' ? node.namespace : namespace);
    const inner = namespaceOf(name);
    const out: JsonObject = { name, type };
    if (type === 'record' || type === 'error') {
      out.fields = (Array.isArray(node.fields) ? node.fields : []).map((field) =>
        isObject(field) ? { name: field.name, type: normalizedNode(field.type, inner), ...extras(field, ['name', 'type'], inner) } : field,
      );
    } else if (type === 'enum') out.symbols = node.symbols;
    else out.size = node.size;
    return { ...out, ...extras(node, ['name', 'type', 'fields', 'symbols', 'size'], inner) };
  }
  if (type === 'array') return { type, items: normalizedNode(node.items, namespace), ...extras(node, ['type', 'items'], namespace) };
  if (type === 'map') return { type, values: normalizedNode(node.values, namespace), ...extras(node, ['type', 'values'], namespace) };
  return normalizedNode(type, namespace);
}

export function parseAvro(resolved: ResolvedSchema): ParsedSchema {
  avroType(resolved);
  const node = parseJson(resolved.schema, 'The schema');
  return {
    schemaType: 'AVRO',
    canonical: JSON.stringify(canonicalNode(node)),
    normalized: JSON.stringify(normalizedNode(node, '')),
  };
}
