import protobuf from 'protobufjs';
import type { ResolvedSchema } from '../compatibility/types.js';
import { sortedJson, type ParsedSchema } from './parsed-schema.js';

const { Root, Type, Enum, Service, Namespace } = protobuf;
type ReflectionObject = protobuf.ReflectionObject;

/** The well-known types protobufjs ships; a schema may import them without a reference. */
const wellKnown = (name: string): protobuf.INamespace | null => protobuf.common.get(name);

/** A compiled Protobuf schema: every type (its own and its references'), and the order of its own messages. */
export interface ProtobufSchema {
  root: protobuf.Root;
  /** Full names (no leading dot) of the schema's top-level messages in declaration order: message index 0, 1, … */
  messages: string[];
}

function parseInto(root: protobuf.Root, text: string, keepCase: boolean, what: string): protobuf.IParserResult {
  try {
    return protobuf.parse(text, root, { keepCase, alternateCommentMode: false });
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}`);
  }
}

/** The top-level messages a file declares, in order (what Confluent's message indexes count). */
function topLevelMessages(parsed: protobuf.IParserResult): string[] {
  const scope = parsed.package ? parsed.root.lookup(parsed.package) : parsed.root;
  if (!(scope instanceof Namespace)) return [];
  return scope.nestedArray.filter((nested) => nested instanceof Type).map((type) => type.fullName.slice(1));
}

/**
 * Compiles a Protobuf schema with protobufjs: its references (the files it imports, in
 * dependency order) and the well-known types it imports go into one root, then the schema
 * itself; every type name must resolve. `keepCase` keeps field names as written (for printing)
 * instead of protobufjs' camelCase JSON names (for serialization).
 */
export function protobufSchema(resolved: ResolvedSchema, keepCase: boolean): ProtobufSchema {
  const own = parseInto(new Root(), resolved.schema, keepCase, 'The schema');
  const root = new Root();
  const loaded = new Set<string>();
  const addWellKnown = (imports: string[] | undefined) => {
    for (const name of imports ?? []) {
      const json = wellKnown(name);
      if (json && !loaded.has(name)) {
        loaded.add(name);
        root.addJSON(json.nested ?? {});
      }
    }
  };
  const referenceNames = new Set(resolved.references.map((reference) => reference.name));
  for (const reference of resolved.references) {
    addWellKnown(parseInto(root, reference.schema, keepCase, `Reference '${reference.name}'`).imports);
  }
  for (const name of [...(own.imports ?? []), ...(own.weakImports ?? [])]) {
    if (!referenceNames.has(name) && !wellKnown(name)) throw new Error(`import "${name}" is neither a reference of the schema nor a well-known type`);
  }
  addWellKnown(own.imports);
  parseInto(root, resolved.schema, keepCase, 'The schema');
  try {
    root.resolveAll();
  } catch (error) {
    throw new Error((error as Error).message);
  }
  return { root, messages: topLevelMessages(own) };
}

const PUNCTUATION = new Set(['{', '}', '[', ']', '(', ')', '<', '>', ';', ',', '=', ':']);

/** Splits .proto text into tokens, dropping comments and whitespace and keeping string literals verbatim. */
function tokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (/\s/.test(char)) i++;
    else if (text.startsWith('//', i)) i = text.includes('\n', i) ? text.indexOf('\n', i) : text.length;
    else if (text.startsWith('/*', i)) i = text.includes('*/', i + 2) ? text.indexOf('*/', i + 2) + 2 : text.length;
    else if (char === '"' || char === "'") {
      let end = i + 1;
      while (end < text.length && text[end] !== char) end += text[end] === '\\' ? 2 : 1;
      out.push(text.slice(i, end + 1));
      i = end + 1;
    } else if (PUNCTUATION.has(char)) {
      out.push(char);
      i++;
    } else {
      let end = i;
      while (
        end < text.length &&
        !/\s/.test(text[end]) &&
        !PUNCTUATION.has(text[end]) &&
        text[end] !== '"' &&
        text[end] !== "'" &&
        !text.startsWith('//', end) &&
        !text.startsWith('/*', end)
      )
        end++;
      out.push(text.slice(i, end));
      i = end;
    }
  }
  return out;
}

/** Prints tokens one statement per line with two-space indentation: the same file, whatever its whitespace and comments. */
function printTokens(list: string[]): string {
  let out = '';
  let depth = 0;
  let lineStart = true;
  let previous = '';
  for (const token of list) {
    if (token === '}') {
      depth = Math.max(0, depth - 1);
      if (!lineStart) out += '\n';
      out += `${'  '.repeat(depth)}}\n`;
      lineStart = true;
    } else if (lineStart) {
      out += '  '.repeat(depth) + token;
      lineStart = false;
    } else {
      const glued = [';', ',', ')', ']', '>'].includes(token) || ['(', '[', '<'].includes(previous) || (previous === ')' && token.startsWith('.'));
      out += (glued ? '' : ' ') + token;
    }
    if (token === '{') {
      out += '\n';
      depth++;
      lineStart = true;
    } else if (token === ';') {
      out += '\n';
      lineStart = true;
    }
    previous = token;
  }
  return out.trimEnd();
}

const sortedOptions = (options: Record<string, unknown> | undefined) => (options && Object.keys(options).length > 0 ? sortedJson(options) : undefined);
const resolvedName = (name: string, resolved: ReflectionObject | null | undefined) => resolved?.fullName ?? name;

/** A declaration as data, with type names fully qualified, fields by number, options sorted. */
function describe(object: ReflectionObject, resolvedRoot: protobuf.Root): unknown {
  if (object instanceof Type) {
    const resolvedType = resolvedRoot.lookupType(object.fullName);
    return {
      message: object.name,
      options: sortedOptions(object.options),
      fields: object.fieldsArray
        .map((field) => {
          const resolved = resolvedType.fields[field.name];
          return {
            id: field.id,
            name: field.name,
            rule: field.repeated ? 'repeated' : field.required ? 'required' : field.optional ? 'optional' : undefined,
            keyType: field.map ? (field as unknown as protobuf.MapField).keyType : undefined,
            type: resolvedName(field.type, resolved?.resolvedType),
            options: sortedOptions(field.options),
          };
        })
        .sort((a, b) => a.id - b.id),
      oneofs: object.oneofsArray
        .map((oneof) => ({ name: oneof.name, fields: oneof.fieldsArray.map((field) => field.id).sort((a, b) => a - b), options: sortedOptions(oneof.options) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      reserved: (object.reserved ?? []).map((range) => JSON.stringify(range)).sort(),
      nested: object.nestedArray.map((nested) => describe(nested, resolvedRoot)),
    };
  }
  if (object instanceof Enum) {
    return {
      enum: object.name,
      options: sortedOptions(object.options),
      values: Object.entries(object.values).sort(([a, x], [b, y]) => x - y || a.localeCompare(b)),
      reserved: (object.reserved ?? []).map((range) => JSON.stringify(range)).sort(),
    };
  }
  if (object instanceof Service) {
    const resolvedService = resolvedRoot.lookupService(object.fullName);
    return {
      service: object.name,
      options: sortedOptions(object.options),
      methods: object.methodsArray
        .map((method) => {
          const resolved = resolvedService.methods[method.name];
          return {
            name: method.name,
            request: resolvedName(method.requestType, resolved?.resolvedRequestType),
            requestStream: Boolean(method.requestStream),
            response: resolvedName(method.responseType, resolved?.resolvedResponseType),
            responseStream: Boolean(method.responseStream),
            options: sortedOptions(method.options),
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  }
  if (object instanceof Namespace)
    return { namespace: object.name, options: sortedOptions(object.options), nested: object.nestedArray.map((nested) => describe(nested, resolvedRoot)) };
  return { other: object.name };
}

/**
 * The normalized form of a .proto file: its declarations as data with fields ordered by number,
 * options, oneofs and imports sorted and type names fully qualified. Messages keep their order,
 * because message indexes in the wire format count them.
 */
function normalizedProtobuf(text: string, resolvedRoot: protobuf.Root): string {
  const list = tokens(text);
  const syntax = list[0] === 'syntax' || list[0] === 'edition' ? `${list[0]}=${list[2]}` : 'syntax="proto2"';
  const own = protobuf.parse(text, new Root(), { keepCase: true, alternateCommentMode: false });
  const scope = own.package ? own.root.lookup(own.package) : own.root;
  const declarations = scope instanceof Namespace ? scope.nestedArray : [];
  return JSON.stringify({
    syntax,
    package: own.package ?? '',
    imports: [...(own.imports ?? [])].sort(),
    weakImports: [...(own.weakImports ?? [])].sort(),
    options: sortedOptions(scope?.options),
    declarations: declarations.map((declaration) => describe(declaration, resolvedRoot)),
  });
}

export function parseProtobuf(resolved: ResolvedSchema): ParsedSchema {
  const { root } = protobufSchema(resolved, true);
  return {
    schemaType: 'PROTOBUF',
    canonical: printTokens(tokens(resolved.schema)),
    normalized: normalizedProtobuf(resolved.schema, root),
  };
}
