import type { ResolvedSchema } from './types.js';

/**
 * JSON Schema documents for the compatibility checker: a schema and its references parsed once,
 * `$ref` resolution (local JSON pointers, other references by name or `$id`), and the small
 * algebra the checker needs (types, bounds, merging an `allOf`).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type SchemaObject = { [key: string]: JsonValue };
export type SchemaNode = boolean | SchemaObject;

export const isObject = (value: unknown): value is SchemaObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

/** Keywords that only annotate: they never change which documents a schema accepts. */
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  'id',
  '$anchor',
  '$dynamicAnchor',
  '$vocabulary',
  '$comment',
  'title',
  'description',
  'default',
  'examples',
  'definitions',
  '$defs',
  'readOnly',
  'writeOnly',
  'deprecated',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
]);

/** Whether a schema accepts every document (`true`, `{}`, or annotations only). */
export function acceptsEverything(node: SchemaNode): boolean {
  if (typeof node === 'boolean') return node;
  return Object.keys(node).every((key) => ANNOTATIONS.has(key));
}

export const JSON_TYPES = ['null', 'boolean', 'object', 'array', 'string', 'number', 'integer'] as const;

/** The types a schema declares, or undefined when it does not restrict the type. */
export function declaredTypes(node: SchemaObject): Set<string> | undefined {
  const type = node.type;
  if (typeof type === 'string') return new Set([type]);
  if (Array.isArray(type)) return new Set(type.filter((item): item is string => typeof item === 'string'));
  return undefined;
}

export function valueType(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Whether a set of types accepts instances of type `type` (an integer is a number). */
export const typeCovered = (types: Set<string>, type: string) => types.has(type) || (type === 'integer' && types.has('number'));

/** The values a schema allows when it lists them (`enum`, `const`). */
export function listedValues(node: SchemaObject): JsonValue[] | undefined {
  if (Array.isArray(node.enum)) return node.enum;
  if ('const' in node) return [node.const];
  return undefined;
}

export interface Bound {
  value: number;
  exclusive: boolean;
}

/** The lower (or upper) numeric bound, from draft-04 boolean or draft-06+ numeric exclusive keywords, the tighter one. */
export function numericBound(node: SchemaObject, side: 'min' | 'max'): Bound | undefined {
  const inclusiveKey = side === 'min' ? 'minimum' : 'maximum';
  const exclusiveKey = side === 'min' ? 'exclusiveMinimum' : 'exclusiveMaximum';
  const bounds: Bound[] = [];
  const inclusive = node[inclusiveKey];
  const exclusive = node[exclusiveKey];
  if (typeof inclusive === 'number') bounds.push({ value: inclusive, exclusive: exclusive === true });
  if (typeof exclusive === 'number') bounds.push({ value: exclusive, exclusive: true });
  if (bounds.length === 0) return undefined;
  const tighter = (a: Bound, b: Bound) => {
    if (a.value !== b.value) return (side === 'min' ? a.value > b.value : a.value < b.value) ? a : b;
    return a.exclusive ? a : b;
  };
  return bounds.reduce(tighter);
}

/** Whether the writer's bound is at least as tight as the reader's. */
export function boundWithin(writer: Bound | undefined, reader: Bound, side: 'min' | 'max'): boolean {
  if (!writer) return false;
  if (writer.value !== reader.value) return side === 'min' ? writer.value > reader.value : writer.value < reader.value;
  return writer.exclusive || !reader.exclusive;
}

const MINIMA = new Set(['minimum', 'minLength', 'minItems', 'minProperties', 'minContains']);
const MAXIMA = new Set(['maximum', 'maxLength', 'maxItems', 'maxProperties', 'maxContains']);

/**
 * The conjunction of two schemas as one (for a writer's `allOf`): keywords that combine exactly
 * are combined; for any other conflict the first schema's keyword is kept, which only ever
 * enlarges the set and so errs toward reporting an incompatibility.
 */
export function mergeSchemas(a: SchemaObject, b: SchemaObject): SchemaObject {
  const out: SchemaObject = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    if (!(key in out) || deepEqual(existing, value)) out[key] = value;
    else if (key === 'type') {
      const left = declaredTypes(a) ?? new Set<string>(JSON_TYPES);
      const right = declaredTypes(b) ?? new Set<string>(JSON_TYPES);
      const both = JSON_TYPES.filter((type) => typeCovered(left, type) && typeCovered(right, type));
      out.type = both.includes('number') ? both.filter((type) => type !== 'integer') : [...both];
    } else if (key === 'required' && Array.isArray(existing) && Array.isArray(value)) out.required = [...new Set([...existing, ...value])];
    else if (key === 'enum' && Array.isArray(existing) && Array.isArray(value))
      out.enum = existing.filter((item) => value.some((other) => deepEqual(item, other)));
    else if (MINIMA.has(key) && typeof existing === 'number' && typeof value === 'number') out[key] = Math.max(existing, value);
    else if (MAXIMA.has(key) && typeof existing === 'number' && typeof value === 'number') out[key] = Math.min(existing, value);
    else if ((key === 'properties' || key === 'patternProperties') && isObject(existing) && isObject(value)) {
      const merged: SchemaObject = { ...existing };
      for (const [name, schema] of Object.entries(value)) merged[name] = name in merged ? { allOf: [merged[name], schema] } : schema;
      out[key] = merged;
    } else if (key === 'allOf' && Array.isArray(existing) && Array.isArray(value)) out.allOf = [...existing, ...value];
    else if ((key === 'additionalProperties' || key === 'items' || key === 'additionalItems') && !Array.isArray(existing) && !Array.isArray(value)) {
      out[key] = existing === false || value === false ? false : { allOf: [existing, value] };
    }
  }
  return out;
}

function parse(text: string, what: string): SchemaNode {
  const value = JSON.parse(text) as JsonValue;
  if (typeof value !== 'boolean' && !isObject(value)) throw new Error(`${what} must be a JSON object or a boolean`);
  return value;
}

interface Document {
  name: string;
  root: SchemaNode;
  id?: string;
}

const withoutFragment = (uri: string) => uri.replace(/#.*$/, '');

function walkPointer(root: SchemaNode, pointer: string): SchemaNode | undefined {
  let node: JsonValue = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = node[segment];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return typeof node === 'boolean' || isObject(node) ? node : undefined;
}

/** A schema and its references, with every schema object knowing the document it belongs to (for its `$ref`s). */
export class SchemaDocuments {
  readonly root: SchemaNode;
  private readonly documents: Document[] = [];
  private readonly owners = new WeakMap<object, Document>();
  private readonly combined = new WeakMap<object, SchemaObject>();

  constructor(resolved: ResolvedSchema) {
    this.root = this.load('the schema', parse(resolved.schema, 'The schema'));
    for (const reference of resolved.references) this.load(reference.name, parse(reference.schema, `Reference '${reference.name}'`));
  }

  private load(name: string, root: SchemaNode): SchemaNode {
    const id = isObject(root) && typeof root.$id === 'string' ? withoutFragment(root.$id) : undefined;
    const document: Document = { name, root, id };
    this.documents.push(document);
    const visit = (value: JsonValue) => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (isObject(value)) {
        this.owners.set(value, document);
        Object.values(value).forEach(visit);
      }
    };
    visit(root);
    return root;
  }

  /**
   * Follows `$ref`s until a schema without one. Keywords beside a `$ref` apply too (2019-09+,
   * and harmlessly stricter for older drafts). Answers a message when a reference can't be resolved.
   */
  resolve(node: SchemaNode): SchemaNode | string {
    let current = node;
    for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
      if (hops > 32) return `a $ref chain is too long or circular at '${current.$ref}'`;
      const { $ref: ref, ...siblings } = current;
      const target = this.target(current, ref as string);
      if (target === undefined) return `can't resolve $ref '${ref as string}'`;
      if (acceptsEverything(siblings)) current = target;
      else {
        // One combined node per $ref, so a recursive schema meets the same node again and the checker's cycle guard sees it.
        const combined = this.combined.get(current) ?? { allOf: [target, siblings] };
        this.combined.set(current, combined);
        current = combined;
      }
    }
    return current;
  }

  private target(from: SchemaObject, ref: string): SchemaNode | undefined {
    const owner = this.owners.get(from) ?? this.documents[0];
    const hash = ref.indexOf('#');
    const base = hash >= 0 ? ref.slice(0, hash) : ref;
    const fragment = hash >= 0 ? ref.slice(hash + 1) : '';
    const document =
      base === ''
        ? owner
        : this.documents.find(
            (candidate) =>
              candidate.name === base ||
              base.endsWith(`/${candidate.name}`) ||
              candidate.id === base ||
              (candidate.id !== undefined && candidate.id.endsWith(`/${base}`)),
          );
    if (!document) return undefined;
    if (fragment === '') return document.root;
    return fragment.startsWith('/') ? walkPointer(document.root, fragment) : undefined;
  }
}
