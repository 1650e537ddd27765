import { compilePattern, type LinearPattern } from '../../patterns.js';
import { LruCache } from '../lru-cache.js';
import { isObject, numericBound, boundWithin, type JsonValue, type SchemaNode, type SchemaObject } from './json-schema-documents.js';

/**
 * Keyword-level rules of the JSON Schema checker that need no recursion: string, number and
 * count bounds, a listed value against the reader's keywords, and the shapes of array items,
 * dependencies and unevaluated keywords.
 */

export const schemaAt = (value: JsonValue | undefined): SchemaNode | undefined => (typeof value === 'boolean' || isObject(value) ? value : undefined);
export const schemaList = (value: JsonValue | undefined): SchemaNode[] | undefined =>
  Array.isArray(value) ? value.filter((item): item is SchemaNode => typeof item === 'boolean' || isObject(item)) : undefined;

export function without(node: SchemaObject, ...keys: string[]): SchemaObject {
  const out = { ...node };
  for (const key of keys) delete out[key];
  return out;
}

/** Compiled once per pattern, a check compares many names; null for a pattern RE2 cannot run. */
const compiled = new LruCache<string, LinearPattern | null>(256);

/** Whether a schema's pattern matches a name or value, on RE2 (a pattern it cannot run matches nothing). */
export function matches(pattern: string, name: string): boolean {
  let linear = compiled.get(pattern);
  if (linear === undefined) {
    try {
      linear = compilePattern(pattern);
    } catch {
      linear = null;
    }
    compiled.set(pattern, linear);
  }
  return linear?.test(name) ?? false;
}

/** An array schema as positional items then the schema of every further item (draft-07 items/additionalItems, 2020-12 prefixItems/items). */
export function arrayItems(node: SchemaObject): { tuple: SchemaNode[]; rest: SchemaNode } {
  const prefix = schemaList(node.prefixItems);
  if (prefix) return { tuple: prefix, rest: schemaAt(node.items) ?? true };
  const items = schemaList(node.items);
  if (items) return { tuple: items, rest: schemaAt(node.additionalItems) ?? true };
  return { tuple: [], rest: schemaAt(node.items) ?? true };
}

/** Keywords that apply other schemas to the same instance: with any of them, "unevaluated" depends on more than this node. */
const IN_PLACE = ['allOf', 'anyOf', 'oneOf', '$ref', '$dynamicRef', '$recursiveRef', 'if', 'then', 'else', 'dependentSchemas', 'dependencies'];

/**
 * Without in-place applicators, `unevaluatedProperties` is `additionalProperties` and
 * `unevaluatedItems` the schema of items past the positional ones (2019-09+), so a schema
 * written either way is compared the same. Otherwise the node is answered unchanged.
 */
export function withoutUnevaluated(node: SchemaObject): SchemaObject {
  if (IN_PLACE.some((keyword) => keyword in node)) return node;
  let out = node;
  if ('unevaluatedProperties' in out) {
    out = without(out, 'unevaluatedProperties');
    if (!('additionalProperties' in out)) out.additionalProperties = node.unevaluatedProperties;
  }
  // `contains` marks the items it matches as evaluated, so it changes what is unevaluated.
  if ('unevaluatedItems' in out && !('contains' in out)) {
    out = without(out, 'unevaluatedItems');
    const restKeyword = Array.isArray(node.items) && !('prefixItems' in node) ? 'additionalItems' : 'items';
    if (!(restKeyword in out)) out[restKeyword] = node.unevaluatedItems;
  }
  return out;
}

export interface Dependencies {
  /** property → the properties that must be present with it */
  required: Map<string, string[]>;
  /** property → the schema the whole instance must match when it is present */
  schemas: Map<string, SchemaNode>;
}

/** `dependencies` (draft-04 to 07, arrays or schemas), `dependentRequired` and `dependentSchemas` (2019-09+) as one shape. */
export function dependenciesOf(node: SchemaObject): Dependencies {
  const out: Dependencies = { required: new Map(), schemas: new Map() };
  for (const keyword of ['dependencies', 'dependentRequired', 'dependentSchemas']) {
    const value = node[keyword];
    if (!isObject(value)) continue;
    for (const [name, dependency] of Object.entries(value)) {
      if (Array.isArray(dependency))
        out.required.set(name, [...(out.required.get(name) ?? []), ...dependency.filter((item): item is string => typeof item === 'string')]);
      else {
        const schema = schemaAt(dependency);
        if (schema !== undefined) out.schemas.set(name, schema);
      }
    }
  }
  return out;
}

/** Reader's lower and upper count keywords against the writer's (lengths, item and property counts). */
export function countReasons(writer: SchemaObject, reader: SchemaObject, minKey: string, maxKey: string, path: string): string[] {
  const reasons: string[] = [];
  const name = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
  const readerMin = reader[minKey];
  const writerMin = typeof writer[minKey] === 'number' ? writer[minKey] : 0;
  if (typeof readerMin === 'number' && readerMin > writerMin) {
    reasons.push(
      `${name(minKey)}_${writer[minKey] === undefined ? 'ADDED' : 'INCREASED'} at ${path}/${minKey}: the reader's ${minKey} ${readerMin}, the writer's ${writerMin}`,
    );
  }
  const readerMax = reader[maxKey];
  const writerMax = writer[maxKey];
  if (typeof readerMax === 'number' && !(typeof writerMax === 'number' && writerMax <= readerMax)) {
    reasons.push(
      `${name(maxKey)}_${writerMax === undefined ? 'ADDED' : 'DECREASED'} at ${path}/${maxKey}: the reader's ${maxKey} ${readerMax}, the writer's ${writerMax === undefined ? 'none' : String(writerMax)}`,
    );
  }
  return reasons;
}

export function stringReasons(writer: SchemaObject, reader: SchemaObject, path: string): string[] {
  const reasons = countReasons(writer, reader, 'minLength', 'maxLength', path);
  for (const keyword of ['pattern', 'format']) {
    if (reader[keyword] !== undefined && reader[keyword] !== writer[keyword]) {
      reasons.push(
        `${keyword.toUpperCase()}_${writer[keyword] === undefined ? 'ADDED' : 'CHANGED'} at ${path}/${keyword}: the reader's ${keyword} ${JSON.stringify(reader[keyword])}, the writer's ${JSON.stringify(writer[keyword] ?? null)}`,
      );
    }
  }
  return reasons;
}

export function numberReasons(writer: SchemaObject, reader: SchemaObject, path: string, writerTypes: Set<string> | undefined): string[] {
  const reasons: string[] = [];
  for (const side of ['min', 'max'] as const) {
    const readerBound = numericBound(reader, side);
    const writerBound = numericBound(writer, side);
    if (readerBound && !boundWithin(writerBound, readerBound, side)) {
      const keyword = side === 'min' ? 'MINIMUM' : 'MAXIMUM';
      reasons.push(
        `${keyword}_${writerBound ? (side === 'min' ? 'INCREASED' : 'DECREASED') : 'ADDED'} at ${path}/${side === 'min' ? 'minimum' : 'maximum'}: the reader's bound ${readerBound.value}${readerBound.exclusive ? ' (exclusive)' : ''} is tighter than the writer's`,
      );
    }
  }
  const readerStep = reader.multipleOf;
  if (typeof readerStep === 'number') {
    const writerStep = typeof writer.multipleOf === 'number' ? writer.multipleOf : writerTypes?.size === 1 && writerTypes.has('integer') ? 1 : undefined;
    const ratio = writerStep === undefined ? NaN : writerStep / readerStep;
    if (!(Math.abs(ratio - Math.round(ratio)) < 1e-9 && Math.round(ratio) >= 1)) {
      reasons.push(
        `MULTIPLE_OF_${writer.multipleOf === undefined ? 'ADDED' : 'CHANGED'} at ${path}/multipleOf: the writer's numbers need not be multiples of ${readerStep}`,
      );
    }
  }
  return reasons;
}

/** A listed (enum/const) scalar value of the writer against the reader's scalar keywords. */
export function scalarReasons(value: JsonValue, reader: SchemaObject, path: string): string[] {
  const fail = (keyword: string) => [
    `${keyword.toUpperCase()}_CHANGED at ${path}/${keyword}: the reader's ${keyword} rejects the writer's value ${JSON.stringify(value)}`,
  ];
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof reader.minLength === 'number' && length < reader.minLength) return fail('minLength');
    if (typeof reader.maxLength === 'number' && length > reader.maxLength) return fail('maxLength');
    if (typeof reader.pattern === 'string' && !matches(reader.pattern, value)) return fail('pattern');
    if (reader.format !== undefined) return fail('format');
  }
  if (typeof value === 'number') {
    const min = numericBound(reader, 'min');
    const max = numericBound(reader, 'max');
    if (min && (value < min.value || (min.exclusive && value === min.value))) return fail('minimum');
    if (max && (value > max.value || (max.exclusive && value === max.value))) return fail('maximum');
    if (typeof reader.multipleOf === 'number' && Math.abs(value / reader.multipleOf - Math.round(value / reader.multipleOf)) > 1e-9) return fail('multipleOf');
  }
  return [];
}
