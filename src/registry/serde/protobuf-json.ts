import protobuf from 'protobufjs';

/**
 * Checks a JSON value against a Protobuf message the way the proto3 JSON mapping reads it, and
 * returns it in the shape protobufjs' `fromObject` takes. `fromObject` alone coerces silently
 * (an unknown field vanishes, "abc" becomes 0); a gateway must refuse such data instead.
 * Fields are found by JSON (lowerCamelCase) name or by their name as written in the schema;
 * null means "not set". Well-known types take their message form ({"seconds", "nanos"} …).
 */
export function fromProtobufJson(type: protobuf.Type, value: unknown, path = ''): Record<string, unknown> {
  if (!isPlainObject(value)) fail(path, `expected an object for message ${type.fullName.slice(1)}, got ${describe(value)}`);
  const out: Record<string, unknown> = {};
  const oneofs = new Map<string, string>();
  for (const [key, raw] of Object.entries(value)) {
    const field = type.fields[key] ?? type.fields[protobuf.util.camelCase(key)];
    const at = path ? `${path}.${key}` : key;
    if (!field) fail(at, `unknown field of message ${type.fullName.slice(1)}`);
    if (raw === null) continue;
    if (field.partOf) {
      const other = oneofs.get(field.partOf.name);
      if (other !== undefined) fail(at, `oneof '${field.partOf.name}' already has '${other}' set`);
      oneofs.set(field.partOf.name, key);
    }
    out[field.name] = fieldValue(field, raw, at);
  }
  for (const field of type.fieldsArray) {
    if (field.required && !(field.name in out)) fail(path ? `${path}.${field.name}` : field.name, 'required field is missing');
  }
  return out;
}

function fieldValue(field: protobuf.Field, raw: unknown, path: string): unknown {
  if (field.map) {
    if (!isPlainObject(raw)) fail(path, `expected an object for a map, got ${describe(raw)}`);
    const keyType = (field as unknown as protobuf.MapField).keyType;
    return Object.fromEntries(
      Object.entries(raw).map(([key, entry]) => {
        checkMapKey(keyType, key, `${path}[${JSON.stringify(key)}]`);
        return [key, singleValue(field, entry, `${path}[${JSON.stringify(key)}]`)];
      }),
    );
  }
  if (field.repeated) {
    if (!Array.isArray(raw)) fail(path, `expected an array for a repeated field, got ${describe(raw)}`);
    return raw.map((entry, index) => singleValue(field, entry, `${path}[${index}]`));
  }
  return singleValue(field, raw, path);
}

const INT32 = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32 = new Set(['uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64']);
const UINT64 = new Set(['uint64', 'fixed64']);
const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

function singleValue(field: protobuf.Field, raw: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return fromProtobufJson(resolved, raw, path);
  if (resolved instanceof protobuf.Enum) {
    if (typeof raw === 'string' && Object.hasOwn(resolved.values, raw)) return raw;
    if (Number.isInteger(raw) && Math.abs(raw as number) <= 2 ** 31) return raw;
    fail(path, `expected one of ${Object.keys(resolved.values).join(', ')} for enum ${resolved.name}, got ${describe(raw)}`);
  }
  const type = field.type;
  if (INT32.has(type)) return integer(raw, path, type, -(2n ** 31n), 2n ** 31n - 1n, false);
  if (UINT32.has(type)) return integer(raw, path, type, 0n, 2n ** 32n - 1n, false);
  if (INT64.has(type)) return integer(raw, path, type, -(2n ** 63n), 2n ** 63n - 1n, true);
  if (UINT64.has(type)) return integer(raw, path, type, 0n, 2n ** 64n - 1n, true);
  switch (type) {
    case 'double':
    case 'float':
      if (typeof raw === 'number') return raw;
      if (raw === 'NaN' || raw === 'Infinity' || raw === '-Infinity') return Number(raw);
      if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
      return fail(path, `expected a number for ${type}, got ${describe(raw)}`);
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      return fail(path, `expected true or false, got ${describe(raw)}`);
    case 'string':
      if (typeof raw === 'string') return raw;
      return fail(path, `expected a string, got ${describe(raw)}`);
    case 'bytes':
      if (typeof raw === 'string' && BASE64.test(raw)) return raw.replace(/-/g, '+').replace(/_/g, '/');
      return fail(path, `expected base64 for bytes, got ${describe(raw)}`);
  }
  return fail(path, `unsupported field type ${type}`);
}

/** An integer as a JSON number or decimal string, within its type's range; 64-bit ones stay strings so no precision is lost. */
function integer(raw: unknown, path: string, type: string, min: bigint, max: bigint, wide: boolean): unknown {
  let value: bigint | undefined;
  if (typeof raw === 'number' && Number.isInteger(raw)) value = BigInt(raw);
  else if (typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) value = BigInt(raw.trim());
  if (value === undefined) fail(path, `expected an integer for ${type}, got ${describe(raw)}`);
  if (value < min || value > max) fail(path, `${value} is out of range for ${type}`);
  return wide ? value.toString() : Number(value);
}

function checkMapKey(keyType: string, key: string, path: string): void {
  if (keyType === 'string') return;
  if (keyType === 'bool') {
    if (key !== 'true' && key !== 'false') fail(path, 'expected a bool map key');
    return;
  }
  if (!/^-?\d+$/.test(key)) fail(path, `expected an integer map key for ${keyType}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fail(path: string, message: string): never {
  throw new Error(`${path || 'value'}: ${message}`);
}
