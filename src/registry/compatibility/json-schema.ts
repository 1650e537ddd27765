import {
  acceptsEverything,
  deepEqual,
  declaredTypes,
  isObject,
  listedValues,
  mergeSchemas,
  SchemaDocuments,
  typeCovered,
  valueType,
  type JsonValue,
  type SchemaNode,
  type SchemaObject,
} from './json-schema-documents.js';
import {
  arrayItems,
  countReasons,
  dependenciesOf,
  matches,
  numberReasons,
  scalarReasons,
  schemaAt,
  schemaList,
  stringReasons,
  without,
  withoutUnevaluated,
} from './json-schema-keywords.js';
import type { ReaderWriterCheck, ResolvedSchema } from './types.js';

/**
 * JSON Schema compatibility: the reader can read the writer when every document the writer's
 * schema accepts, the reader's accepts too. Decided keyword by keyword (Confluent's rules for
 * open and closed content models, required, types, enums, bounds and combined schemas); where
 * a keyword is not understood, a difference is reported rather than assumed safe.
 */

/** Validation keywords this checker does not reason about: any difference in them is reported. */
const OPAQUE = ['unevaluatedProperties', 'unevaluatedItems', 'if', 'then', 'else', '$dynamicRef', '$recursiveRef'];

/** Past this depth the schemas are recursive through merged (allOf) nodes: the first visit has decided. */
const MAX_DEPTH = 64;

const at = (path: string) => path || '/';

/** Whether a value of one JSON type can be a value of another (an integer is a number). */
const typesOverlap = (a: string, b: string) => a === b || (a === 'integer' && b === 'number') || (a === 'number' && b === 'integer');

class Containment {
  private readonly inProgress = new Map<object, Set<object>>();
  private readonly merged = new WeakMap<object, SchemaNode>();
  private readonly normalized = new WeakMap<object, SchemaObject>();

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
    const w = this.normal(writer === true ? {} : writer);
    const r = this.normal(reader);
    if (this.visiting(w, r)) return [];
    const pairs = this.inProgress.get(w) ?? new Set<object>();
    this.inProgress.set(w, pairs.add(r));
    try {
      return this.checkObjects(w, r, path, depth);
    } finally {
      this.inProgress.get(w)?.delete(r);
    }
  }

  /** A node with its unevaluated keywords rewritten where they are plain ones, once per node (so recursion meets the same node again). */
  private normal(node: SchemaObject): SchemaObject {
    const cached = this.normalized.get(node);
    if (cached) return cached;
    const out = withoutUnevaluated(node);
    this.normalized.set(node, out);
    return out;
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
      if (typeof merged === 'string') return [`UNRESOLVED_REFERENCE at ${path}/allOf: in the writer, ${merged}`];
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
    const reasons = this.notReasons(writer, reader, path, next);
    for (const keyword of OPAQUE) {
      if (reader[keyword] !== undefined && !deepEqual(reader[keyword], writer[keyword]))
        reasons.push(`UNSUPPORTED_KEYWORD_CHANGED at ${path}/${keyword}: the reader's '${keyword}' differs from the writer's and is not analysed`);
    }
    const values = listedValues(writer);
    if (values) return [...reasons, ...this.checkValues(values, writer, reader, path, next)];
    return [...reasons, ...this.checkTypes(writer, reader, path, next)];
  }

  /**
   * The reader's `not` excludes documents: the writer's own `not` must exclude at least those,
   * or the writer's types must be ones the excluded schema never accepts.
   */
  private notReasons(writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const excluded = schemaAt(reader.not);
    if (excluded === undefined) return [];
    const writerExcluded = schemaAt(writer.not);
    // Swapped roles: the reader's excluded documents must all be excluded by the writer.
    if (writerExcluded !== undefined && new Containment(this.readerDocs, this.writerDocs).check(excluded, writerExcluded, `${path}/not`, depth).length === 0)
      return [];
    const resolved = this.readerDocs.resolve(excluded);
    if (resolved === false) return [];
    const excludedTypes = typeof resolved === 'object' ? declaredTypes(resolved) : undefined;
    const values = listedValues(writer);
    const writerTypes = values ? new Set(values.map(valueType)) : declaredTypes(writer);
    if (excludedTypes && writerTypes && [...writerTypes].every((type) => ![...excludedTypes].some((other) => typesOverlap(type, other)))) return [];
    return [`NOT_TYPE_EXTENDED at ${path}/not: the reader excludes documents the writer may write`];
  }

  /** A writer that lists its values (enum, const): each value must be one the reader accepts. */
  private checkValues(values: JsonValue[], writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const reasons: string[] = [];
    const readerValues = listedValues(reader);
    const missing = readerValues ? values.filter((value) => !readerValues.some((other) => deepEqual(value, other))) : [];
    if (missing.length > 0)
      reasons.push(`ENUM_ARRAY_NARROWED at ${path}/enum: the reader does not accept ${missing.map((value) => JSON.stringify(value)).join(', ')}`);
    const readerTypes = declaredTypes(reader);
    const wrongType = readerTypes ? values.filter((value) => !typeCovered(readerTypes, valueType(value))) : [];
    if (wrongType.length > 0)
      reasons.push(`TYPE_NARROWED at ${path}/type: the reader's type does not accept ${wrongType.map((value) => JSON.stringify(value)).join(', ')}`);
    // Values of a structured type are still compared by keyword.
    const structured = values.filter((value) => typeof value === 'object' && value !== null);
    const scalars = values.filter((value) => typeof value !== 'object' || value === null);
    for (const value of scalars) reasons.push(...scalarReasons(value, reader, path));
    if (structured.length > 0) reasons.push(...this.checkTypes(without(writer, 'enum', 'const'), without(reader, 'enum', 'const', 'type'), path, depth));
    return reasons;
  }

  private checkTypes(writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const reasons: string[] = [];
    if (listedValues(reader)) reasons.push(`ENUM_ARRAY_NARROWED at ${path}/enum: the reader accepts only listed values, the writer does not list its values`);
    const writerTypes = declaredTypes(writer);
    const readerTypes = declaredTypes(reader);
    if (readerTypes) {
      if (!writerTypes) reasons.push(`TYPE_NARROWED at ${path}/type: the reader accepts only ${[...readerTypes].join(', ')}, the writer any type`);
      else {
        const lost = [...writerTypes].filter((type) => !typeCovered(readerTypes, type));
        if (lost.length > 0) reasons.push(`TYPE_NARROWED at ${path}/type: the reader does not accept ${lost.join(', ')}`);
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
    const matching = Object.keys(patterns)
      .filter((candidate) => matches(candidate, name))
      .map((pattern) => schemaAt(patterns[pattern]) ?? true);
    return matching.length > 0 ? matching : [schemaAt(reader.additionalProperties) ?? true];
  }

  private objectReasons(writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const reasons: string[] = [];
    const writerProperties = isObject(writer.properties) ? writer.properties : {};
    const readerProperties = isObject(reader.properties) ? reader.properties : {};
    const writerRequired = Array.isArray(writer.required) ? writer.required : [];
    for (const name of Array.isArray(reader.required) ? reader.required : []) {
      if (!writerRequired.includes(name))
        reasons.push(`REQUIRED_ATTRIBUTE_ADDED at ${path}/required: the reader requires '${String(name)}', the writer may omit it`);
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
        reasons.push(
          `PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL at ${propertyPath}: the writer may write '${name}' as something the reader's new property does not accept`,
          ...uncovered,
        );
      }
    }
    for (const [name, writerSchema] of Object.entries(writerProperties)) {
      if (name in readerProperties) continue;
      const propertyPath = `${path}/properties/${name}`;
      for (const schema of this.readerSchemasFor(reader, name)) {
        const uncovered = this.check(schemaAt(writerSchema) ?? true, schema, propertyPath, depth);
        if (uncovered.length === 0) continue;
        reasons.push(
          schema === false
            ? `PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL at ${propertyPath}: the writer writes '${name}', the reader's closed content model rejects it`
            : `PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL at ${propertyPath}: the reader's additional or pattern properties do not accept the writer's '${name}'`,
          ...(schema === false ? [] : uncovered),
        );
      }
    }
    reasons.push(...this.undeclaredPropertyReasons(writer, reader, path, depth));
    reasons.push(...countReasons(writer, reader, 'minProperties', 'maxProperties', path));
    reasons.push(...this.dependencyReasons(writer, reader, path, depth));
    reasons.push(...this.propertyNameReasons(writer, reader, path, depth));
    return reasons;
  }

  /** What the reader demands when a property is present (other properties, or a schema) the writer must already guarantee. */
  private dependencyReasons(writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const reasons: string[] = [];
    const readerDependencies = dependenciesOf(reader);
    const writerDependencies = dependenciesOf(writer);
    const writerRequired = Array.isArray(writer.required) ? writer.required : [];
    for (const [name, needed] of readerDependencies.required) {
      const guaranteed = [...(writerDependencies.required.get(name) ?? []), ...writerRequired];
      const missing = needed.filter((other) => !guaranteed.includes(other));
      if (missing.length > 0)
        reasons.push(
          `DEPENDENCY_ARRAY_EXTENDED at ${path}/dependencies/${name}: with '${name}' the reader requires ${missing.join(', ')}, the writer does not`,
        );
    }
    const writerAlone = without(writer, 'dependencies', 'dependentSchemas', 'dependentRequired');
    for (const [name, schema] of readerDependencies.schemas) {
      const dependencyPath = `${path}/dependencies/${name}`;
      const writerSchema = writerDependencies.schemas.get(name);
      if (writerSchema !== undefined && this.check(writerSchema, schema, dependencyPath, depth).length === 0) continue;
      if (this.check(writerAlone, schema, dependencyPath, depth).length === 0) continue;
      reasons.push(`DEPENDENCY_SCHEMA_NARROWED at ${dependencyPath}: with '${name}' the reader applies a schema the writer's documents need not match`);
    }
    return reasons;
  }

  /** The reader's `propertyNames` must accept every name the writer may write: its own `propertyNames`, or the names of a closed model. */
  private propertyNameReasons(writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const names = schemaAt(reader.propertyNames);
    if (names === undefined) return [];
    const namesPath = `${path}/propertyNames`;
    const writerNames = schemaAt(writer.propertyNames);
    if (writerNames !== undefined) return this.check(writerNames, names, namesPath, depth);
    const closed = writer.additionalProperties === false && (!isObject(writer.patternProperties) || Object.keys(writer.patternProperties).length === 0);
    if (closed) return this.check({ type: 'string', enum: Object.keys(isObject(writer.properties) ? writer.properties : {}) }, names, namesPath, depth);
    return [`PROPERTY_NAMES_ADDED at ${namesPath}: the reader restricts property names, the writer's open content model does not`];
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
      if (!(pattern in writerPatterns))
        reasons.push(...this.check(schemaAt(writer.additionalProperties) ?? true, schemaAt(schema) ?? true, `${path}/patternProperties/${pattern}`, depth));
    }
    const writerAdditional = schemaAt(writer.additionalProperties) ?? true;
    const readerAdditional = schemaAt(reader.additionalProperties) ?? true;
    const uncovered = this.check(writerAdditional, readerAdditional, `${path}/additionalProperties`, depth);
    if (uncovered.length > 0) {
      reasons.push(
        readerAdditional === false
          ? `ADDITIONAL_PROPERTIES_REMOVED at ${path}/additionalProperties: the reader's content model is closed, the writer's is open`
          : `ADDITIONAL_PROPERTIES_NARROWED at ${path}/additionalProperties: the reader's additionalProperties do not accept the writer's`,
        ...(readerAdditional === false ? [] : uncovered),
      );
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
    if (reader.uniqueItems === true && writer.uniqueItems !== true && writerMax > 1)
      reasons.push(`UNIQUE_ITEMS_ADDED at ${path}/uniqueItems: the reader requires unique items, the writer does not`);
    reasons.push(...this.containsReasons(writer, reader, path, depth));
    return reasons;
  }

  /** Items the reader wants (`contains`, at least `minContains`, at most `maxContains`) the writer must guarantee. */
  private containsReasons(writer: SchemaObject, reader: SchemaObject, path: string, depth: number): string[] {
    const wanted = schemaAt(reader.contains);
    if (wanted === undefined) return [];
    const reasons: string[] = [];
    const written = schemaAt(writer.contains);
    const readerMin = typeof reader.minContains === 'number' ? reader.minContains : 1;
    const writerMin = typeof writer.minContains === 'number' ? writer.minContains : 1;
    if (readerMin > 0) {
      if (written === undefined) reasons.push(`CONTAINS_ADDED at ${path}/contains: the reader wants an item the writer need not write`);
      else if (this.check(written, wanted, `${path}/contains`, depth).length > 0)
        reasons.push(`CONTAINS_NARROWED at ${path}/contains: the reader's contains does not accept the items the writer's guarantees`);
      else if (writerMin < readerMin)
        reasons.push(`MIN_CONTAINS_INCREASED at ${path}/minContains: the reader's minContains ${readerMin}, the writer's ${writerMin}`);
    }
    const readerMax = reader.maxContains;
    if (typeof readerMax === 'number') {
      const boundedByLength = typeof writer.maxItems === 'number' && writer.maxItems <= readerMax;
      const boundedByContains = deepEqual(written, wanted) && typeof writer.maxContains === 'number' && writer.maxContains <= readerMax;
      if (!boundedByLength && !boundedByContains)
        reasons.push(`MAX_CONTAINS_DECREASED at ${path}/maxContains: the writer may write more than ${readerMax} items the reader's contains matches`);
    }
    return reasons;
  }
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
  if (typeof readerDocs === 'string' || typeof writerDocs === 'string')
    return [readerDocs, writerDocs].filter((value): value is string => typeof value === 'string');
  return [...new Set(new Containment(writerDocs, readerDocs).check(writerDocs.root, readerDocs.root, ''))];
};
