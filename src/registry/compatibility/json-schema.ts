import {
  acceptsEverything, boundWithin, deepEqual, declaredTypes, isObject, listedValues, mergeSchemas, numericBound, SchemaDocuments, typeCovered, valueType,
  type JsonValue, type SchemaNode, type SchemaObject,
} from './json-schema-documents.js';
import type { ReaderWriterCheck, ResolvedSchema } from './types.js';

/**
 * JSON Schema compatibility: the reader can read the writer when every document the writer's
 * schema accepts, the reader's accepts too. Decided keyword by keyword (Confluent's rules for
 * open and closed content models, required, types, enums, bounds and combined schemas); where
 * a keyword is not understood, a difference is reported rather than assumed safe.
 */

/** Validation keywords this checker does not reason about: any difference in them is reported. */
const OPAQUE = ['dependencies', 'dependentRequired', 'dependentSchemas', 'propertyNames', 'contains', 'minContains', 'maxContains', 'unevaluatedProperties', 'unevaluatedItems', 'if', 'then', 'else', '$dynamicRef', '$recursiveRef'];

/** Past this depth the schemas are recursive through merged (allOf) nodes: the first visit has decided. */
const MAX_DEPTH = 64;

const at = (path: string) => path || '/';
const schemaAt = (value: JsonValue | undefined): SchemaNode | undefined => (typeof value === 'boolean' || isObject(value) ? value : undefined);
const schemaList = (value: JsonValue | undefined): SchemaNode[] | undefined => (Array.isArray(value) ? value.filter((item): item is SchemaNode => typeof item === 'boolean' || isObject(item)) : undefined);

function without(node: SchemaObject, ...keys: string[]): SchemaObject {
  const out = { ...node };
  for (const key of keys) delete out[key];
  return out;
}

function matches(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(name);
  } catch {
    return false;
  }
}

class Containment {
  private readonly inProgress = new Map<object, Set<object>>();
  private readonly merged = new WeakMap<object, SchemaNode>();

  constructor(
    private readonly writerDocs: SchemaDocuments,
    private readonly readerDocs: SchemaDocuments,
  ) {}

  /** Reasons the writer's schema accepts a document the reader's does not. */
  check(writerNode: SchemaNode, readerNode: SchemaNode, path: string, depth = 0): string[] {
    if (depth > MAX_DEPTH) return [];
    const writer = this.writerDocs.resolve(writerNode);
    const reader = this.readerDocs.resolve(readerNode);
    if (typeof writer === 'string') return [`UNRESOLVED_REFERENCE at ${at(path)}: in the writer, ${writer}`];
    if (typeof reader === 'string') return [`UNRESOLVED_REFERENCE at ${at(path)}: in the reader, ${reader}`];
    if (writer === false || reader === true || acceptsEverything(reader)) return [];
    if (reader === false) return [`SCHEMA_CLOSED at ${at(path)}: the reader accepts nothing here and the writer accepts documents`];
    const w: SchemaObject = writer === true ? {} : writer;
    if (this.visiting(w, reader)) return [];
    const pairs = this.inProgress.get(w) ?? new Set<object>();
    this.inProgress.set(w, pairs.add(reader));
    try {
      return this.checkObjects(w, reader, path, depth);
    } finally {
      this.inProgress.get(w)?.delete(reader);
    }
  }

  /** A writer's allOf merged into one schema, once per node (so recursion through it meets the same node again). */
  private flattened(writer: SchemaObject): SchemaNode | string {
    const cached = this.merged.get(writer);
    if (cached !== undefined) return cached;
    let merged: SchemaNode = without(writer, 'allOf');
    for (const part of schemaList(writer.allOf) ?? []) {
      const resolved = this.writerDocs.resolve(part);
      if (typeof resolved === 'string') return resolved;
      if (resolved === false) merged = false;
      else if (resolved !== true && merged !== false) merged = mergeSchemas(merged, resolved);
    }
    this.merged.set(writer, merged);
    return merged;
  }

  private visiting(writer: object, reader: object): boolean {
    return this.inProgress.get(writer)?.has(reader) ?? false;
  }

  private checkObjects(writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const next = depth + 1;
    // The writer's allOf is one schema: all of its parts at once.
    if (schemaList(writer.allOf)) {
      const merged = this.flattened(writer);
      if (typeof merged === 'string') return [`UNRESOLVED_REFERENCE at ${at(path)}/allOf: in the writer, ${merged}`];
      return this.check(merged, reader, path, next);
    }
    // A writer's anyOf/oneOf writes any one branch: each must be readable.
    for (const keyword of ['anyOf', 'oneOf'] as const) {
      const branches = schemaList(writer[keyword]);
      if (!branches) continue;
      const base = without(writer, keyword);
      return branches.flatMap((branch, index) => {
        const resolved = this.writerDocs.resolve(branch);
        if (typeof resolved === 'string') return [`UNRESOLVED_REFERENCE at ${path}/${keyword}/${index}: in the writer, ${resolved}`];
        if (resolved === false) return [];
        return this.check(resolved === true ? base : mergeSchemas(base, resolved), reader, `${path}/${keyword}/${index}`, next);
      });
    }
    const readerAllOf = schemaList(reader.allOf);
    if (readerAllOf) {
      return [...this.check(writer, without(reader, 'allOf'), path, next), ...readerAllOf.flatMap((part) => this.check(writer, part, `${path}/allOf`, next))];
    }
    for (const keyword of ['anyOf', 'oneOf'] as const) {
      const branches = schemaList(reader[keyword]);
      if (!branches) continue;
      const base = this.check(writer, without(reader, keyword), path, next);
      // oneOf is read like anyOf: a document the writer writes must fit some branch.
      if (branches.some((branch) => this.check(writer, branch, `${path}/${keyword}`, next).length === 0)) return base;
      return [...base, `COMBINED_TYPE_SUBSCHEMAS_CHANGED at ${path}/${keyword}: no branch of the reader's ${keyword} accepts everything the writer writes`];
    }
    const reasons: string[] = [];
    if (reader.not !== undefined && !deepEqual(reader.not, writer.not)) reasons.push(`NOT_TYPE_CHANGED at ${at(path)}/not: the reader excludes documents with a 'not' the writer does not share`);
    for (const keyword of OPAQUE) {
      if (reader[keyword] !== undefined && !deepEqual(reader[keyword], writer[keyword])) reasons.push(`UNSUPPORTED_KEYWORD_CHANGED at ${at(path)}/${keyword}: the reader's '${keyword}' differs from the writer's and is not analysed`);
    }
    const values = listedValues(writer);
    if (values) return [...reasons, ...this.checkValues(values, writer, reader, path, next)];
    return [...reasons, ...this.checkTypes(writer, reader, path, next)];
  }

  /** A writer that lists its values (enum, const): each value must be one the reader accepts. */
  private checkValues(values: JsonValue[], writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const reasons: string[] = [];
    const readerValues = listedValues(reader);
    const missing = readerValues ? values.filter((value) => !readerValues.some((other) => deepEqual(value, other))) : [];
    if (missing.length > 0) reasons.push(`ENUM_ARRAY_NARROWED at ${at(path)}/enum: the reader does not accept ${missing.map((value) => JSON.stringify(value)).join(', ')}`);
    const readerTypes = declaredTypes(reader);
    const wrongType = readerTypes ? values.filter((value) => !typeCovered(readerTypes, valueType(value))) : [];
    if (wrongType.length > 0) reasons.push(`TYPE_NARROWED at ${at(path)}/type: the reader's type does not accept ${wrongType.map((value) => JSON.stringify(value)).join(', ')}`);
    // Values of a structured type are still compared by keyword.
    const structured = values.filter((value) => typeof value === 'object' && value !== null);
    const scalars = values.filter((value) => typeof value !== 'object' || value === null);
    for (const value of scalars) reasons.push(...scalarReasons(value, reader, path));
    if (structured.length > 0) reasons.push(...this.checkTypes(without(writer, 'enum', 'const'), without(reader, 'enum', 'const', 'type'), path, depth));
    return reasons;
  }

  private checkTypes(writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const reasons: string[] = [];
    if (listedValues(reader)) reasons.push(`ENUM_ARRAY_NARROWED at ${at(path)}/enum: the reader accepts only listed values, the writer does not list its values`);
    const writerTypes = declaredTypes(writer);
    const readerTypes = declaredTypes(reader);
    if (readerTypes) {
      if (!writerTypes) reasons.push(`TYPE_NARROWED at ${at(path)}/type: the reader accepts only ${[...readerTypes].join(', ')}, the writer any type`);
      else {
        const lost = [...writerTypes].filter((type) => !typeCovered(readerTypes, type));
        if (lost.length > 0) reasons.push(`TYPE_NARROWED at ${at(path)}/type: the reader does not accept ${lost.join(', ')}`);
      }
    }
    const produces = (...types: string[]) => !writerTypes || types.some((type) => writerTypes.has(type));
    if (produces('string')) reasons.push(...stringReasons(writer, reader, path));
    if (produces('number', 'integer')) reasons.push(...numberReasons(writer, reader, path, writerTypes));
    if (produces('object')) reasons.push(...this.objectReasons(writer, reader, path, depth));
    if (produces('array')) reasons.push(...this.arrayReasons(writer, reader, path, depth));
    return reasons;
  }

  /** The writer's schema for a property it does not declare: a matching pattern, else additionalProperties. */
  private writerSchemaFor(writer: SchemaObject, name: string): SchemaNode {
    const patterns = isObject(writer.patternProperties) ? writer.patternProperties : {};
    const pattern = Object.keys(patterns).find((candidate) => matches(candidate, name));
    if (pattern !== undefined) return schemaAt(patterns[pattern]) ?? true;
    return schemaAt(writer.additionalProperties) ?? true;
  }

  /** The reader's schemas for a property it does not declare: every matching pattern, else additionalProperties. */
  private readerSchemasFor(reader: SchemaObject, name: string): SchemaNode[] {
    const patterns = isObject(reader.patternProperties) ? reader.patternProperties : {};
    const matching = Object.keys(patterns).filter((candidate) => matches(candidate, name)).map((pattern) => schemaAt(patterns[pattern]) ?? true);
    return matching.length > 0 ? matching : [schemaAt(reader.additionalProperties) ?? true];
  }

  private objectReasons(writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const reasons: string[] = [];
    const writerProperties = isObject(writer.properties) ? writer.properties : {};
    const readerProperties = isObject(reader.properties) ? reader.properties : {};
    const writerRequired = Array.isArray(writer.required) ? writer.required : [];
    for (const name of Array.isArray(reader.required) ? reader.required : []) {
      if (!writerRequired.includes(name)) reasons.push(`REQUIRED_ATTRIBUTE_ADDED at ${path}/required: the reader requires '${String(name)}', the writer may omit it`);
    }
    for (const [name, readerSchema] of Object.entries(readerProperties)) {
      const propertyPath = `${path}/properties/${name}`;
      const schema = schemaAt(readerSchema) ?? true;
      if (name in writerProperties) {
        reasons.push(...this.check(schemaAt(writerProperties[name]) ?? true, schema, propertyPath, depth));
        continue;
      }
      const writerSchema = this.writerSchemaFor(writer, name);
      const uncovered = this.check(writerSchema, schema, propertyPath, depth);
      if (uncovered.length > 0) {
        reasons.push(`PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL at ${propertyPath}: the writer may write '${name}' as something the reader's new property does not accept`, ...uncovered);
      }
    }
    for (const [name, writerSchema] of Object.entries(writerProperties)) {
      if (name in readerProperties) continue;
      const propertyPath = `${path}/properties/${name}`;
      for (const schema of this.readerSchemasFor(reader, name)) {
        const uncovered = this.check(schemaAt(writerSchema) ?? true, schema, propertyPath, depth);
        if (uncovered.length === 0) continue;
        reasons.push(schema === false
          ? `PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL at ${propertyPath}: the writer writes '${name}', the reader's closed content model rejects it`
          : `PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL at ${propertyPath}: the reader's additional or pattern properties do not accept the writer's '${name}'`, ...(schema === false ? [] : uncovered));
      }
    }
    reasons.push(...this.undeclaredPropertyReasons(writer, reader, path, depth));
    reasons.push(...countReasons(writer, reader, 'minProperties', 'maxProperties', path));
    return reasons;
  }

  /** Properties neither declares: whatever the writer allows for them (patterns, additionalProperties) the reader must allow. */
  private undeclaredPropertyReasons(writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const reasons: string[] = [];
    const writerPatterns = isObject(writer.patternProperties) ? writer.patternProperties : {};
    const readerPatterns = isObject(reader.patternProperties) ? reader.patternProperties : {};
    for (const [pattern, schema] of Object.entries(writerPatterns)) {
      const readerSchema = pattern in readerPatterns ? readerPatterns[pattern] : reader.additionalProperties;
      reasons.push(...this.check(schemaAt(schema) ?? true, schemaAt(readerSchema) ?? true, `${path}/patternProperties/${pattern}`, depth));
    }
    for (const [pattern, schema] of Object.entries(readerPatterns)) {
      if (!(pattern in writerPatterns)) reasons.push(...this.check(schemaAt(writer.additionalProperties) ?? true, schemaAt(schema) ?? true, `${path}/patternProperties/${pattern}`, depth));
    }
    const writerAdditional = schemaAt(writer.additionalProperties) ?? true;
    const readerAdditional = schemaAt(reader.additionalProperties) ?? true;
    const uncovered = this.check(writerAdditional, readerAdditional, `${path}/additionalProperties`, depth);
    if (uncovered.length > 0) {
      reasons.push(readerAdditional === false
        ? `ADDITIONAL_PROPERTIES_REMOVED at ${path}/additionalProperties: the reader's content model is closed, the writer's is open`
        : `ADDITIONAL_PROPERTIES_NARROWED at ${path}/additionalProperties: the reader's additionalProperties do not accept the writer's`, ...(readerAdditional === false ? [] : uncovered));
    }
    return reasons;
  }

  private arrayReasons(writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const reasons: string[] = [];
    const writerItems = arrayItems(writer);
    const readerItems = arrayItems(reader);
    const writerMax = typeof writer.maxItems === 'number' ? writer.maxItems : Infinity;
    const length = Math.min(Math.max(writerItems.tuple.length, readerItems.tuple.length) + 1, writerMax + 1);
    for (let index = 0; index < length; index++) {
      const isRest = index >= writerItems.tuple.length && index >= readerItems.tuple.length;
      const writerSchema = index < writerItems.tuple.length ? writerItems.tuple[index] : writerItems.rest;
      const readerSchema = index < readerItems.tuple.length ? readerItems.tuple[index] : readerItems.rest;
      if (isRest && index >= writerMax) break;
      reasons.push(...this.check(writerSchema, readerSchema, isRest ? `${path}/items` : `${path}/items/${index}`, depth));
    }
    reasons.push(...countReasons(writer, reader, 'minItems', 'maxItems', path));
    if (reader.uniqueItems === true && writer.uniqueItems !== true && writerMax > 1) reasons.push(`UNIQUE_ITEMS_ADDED at ${path}/uniqueItems: the reader requires unique items, the writer does not`);
    return reasons;
  }
}

/** An array schema as positional items then the schema of every further item (draft-07 items/additionalItems, 2020-12 prefixItems/items). */
function arrayItems(node: SchemaObject): { tuple: SchemaNode[]; rest: SchemaNode } {
  const prefix = schemaList(node.prefixItems);
  if (prefix) return { tuple: prefix, rest: schemaAt(node.items) ?? true };
  const items = schemaList(node.items);
  if (items) return { tuple: items, rest: schemaAt(node.additionalItems) ?? true };
  return { tuple: [], rest: schemaAt(node.items) ?? true };
}

/** Reader's lower and upper count keywords against the writer's (lengths, item and property counts). */
function countReasons(writer: SchemaObject, reader: SchemaObject, minKey: string, maxKey: string, path: string): string[] {
  const reasons: string[] = [];
  const name = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
  const readerMin = reader[minKey];
  const writerMin = typeof writer[minKey] === 'number' ? writer[minKey] : 0;
  if (typeof readerMin === 'number' && readerMin > writerMin) {
    reasons.push(`${name(minKey)}_${writer[minKey] === undefined ? 'ADDED' : 'INCREASED'} at ${path}/${minKey}: the reader's ${minKey} ${readerMin}, the writer's ${writerMin}`);
  }
  const readerMax = reader[maxKey];
  const writerMax = writer[maxKey];
  if (typeof readerMax === 'number' && !(typeof writerMax === 'number' && writerMax <= readerMax)) {
    reasons.push(`${name(maxKey)}_${writerMax === undefined ? 'ADDED' : 'DECREASED'} at ${path}/${maxKey}: the reader's ${maxKey} ${readerMax}, the writer's ${writerMax === undefined ? 'none' : String(writerMax)}`);
  }
  return reasons;
}

function stringReasons(writer: SchemaObject, reader: SchemaObject, path: string): string[] {
  const reasons = countReasons(writer, reader, 'minLength', 'maxLength', path);
  for (const keyword of ['pattern', 'format']) {
    if (reader[keyword] !== undefined && reader[keyword] !== writer[keyword]) {
      reasons.push(`${keyword.toUpperCase()}_${writer[keyword] === undefined ? 'ADDED' : 'CHANGED'} at ${path}/${keyword}: the reader's ${keyword} ${JSON.stringify(reader[keyword])}, the writer's ${JSON.stringify(writer[keyword] ?? null)}`);
    }
  }
  return reasons;
}

function numberReasons(writer: SchemaObject, reader: SchemaObject, path: string, writerTypes: Set<string> | undefined): string[] {
  const reasons: string[] = [];
  for (const side of ['min', 'max'] as const) {
    const readerBound = numericBound(reader, side);
    const writerBound = numericBound(writer, side);
    if (readerBound && !boundWithin(writerBound, readerBound, side)) {
      const keyword = side === 'min' ? 'MINIMUM' : 'MAXIMUM';
      reasons.push(`${keyword}_${writerBound ? (side === 'min' ? 'INCREASED' : 'DECREASED') : 'ADDED'} at ${path}/${side === 'min' ? 'minimum' : 'maximum'}: the reader's bound ${readerBound.value}${readerBound.exclusive ? ' (exclusive)' : ''} is tighter than the writer's`);
    }
  }
  const readerStep = reader.multipleOf;
  if (typeof readerStep === 'number') {
    const writerStep = typeof writer.multipleOf === 'number' ? writer.multipleOf : writerTypes?.size === 1 && writerTypes.has('integer') ? 1 : undefined;
    const ratio = writerStep === undefined ? NaN : writerStep / readerStep;
    if (!(Math.abs(ratio - Math.round(ratio)) < 1e-9 && Math.round(ratio) >= 1)) {
      reasons.push(`MULTIPLE_OF_${writer.multipleOf === undefined ? 'ADDED' : 'CHANGED'} at ${path}/multipleOf: the writer's numbers need not be multiples of ${readerStep}`);
    }
  }
  return reasons;
}

/** A listed (enum/const) scalar value of the writer against the reader's scalar keywords. */
function scalarReasons(value: JsonValue, reader: SchemaObject, path: string): string[] {
  const fail = (keyword: string) => [`${keyword.toUpperCase()}_CHANGED at ${path}/${keyword}: the reader's ${keyword} rejects the writer's value ${JSON.stringify(value)}`];
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

function documents(resolved: ResolvedSchema, role: string): SchemaDocuments | string {
  try {
    return new SchemaDocuments(resolved);
  } catch (error) {
    return `SCHEMA_PARSE_ERROR: the ${role}'s JSON Schema does not parse: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export const jsonSchemaCanRead: ReaderWriterCheck = (reader, writer) => {
  const readerDocs = documents(reader, 'reader');
  const writerDocs = documents(writer, 'writer');
  if (typeof readerDocs === 'string' || typeof writerDocs === 'string') return [readerDocs, writerDocs].filter((value): value is string => typeof value === 'string');
  return [...new Set(new Containment(writerDocs, readerDocs).check(writerDocs.root, readerDocs.root, ''))];
};
