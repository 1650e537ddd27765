import avro from 'avsc';
import type { ResolvedSchema } from '../compatibility/types.js';
import { avroType } from '../schema/avro.js';
import type { FormatCodec, FormatSerde } from './format-serde.js';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Fills in the defaults of absent record fields, in JSON encoding, everywhere in a value. avsc
 * would fill them itself but cannot for bytes and fixed defaults (it tries to read its own
 * Buffer as JSON), so the value it reads is always complete.
 */
function withDefaults(type: avro.Type, value: unknown): unknown {
  if (type instanceof avro.types.LogicalType) return withDefaults(type.underlyingType, value);
  if (type instanceof avro.types.RecordType && isObject(value)) {
    const out: Record<string, unknown> = { ...value };
    for (const field of type.fields) {
      const defaultValue = field.defaultValue();
      if (out[field.name] === undefined && defaultValue !== undefined) out[field.name] = JSON.parse(field.type.toString(defaultValue));
      else out[field.name] = withDefaults(field.type, out[field.name]);
    }
    return out;
  }
  if (type instanceof avro.types.ArrayType && Array.isArray(value)) return value.map((item) => withDefaults(type.itemsType, item));
  if (type instanceof avro.types.MapType && isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withDefaults(type.valuesType as avro.Type, item)]));
  }
  if ((type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) && isObject(value)) {
    const [branch] = Object.keys(value);
    const branchType = type.types.find((candidate) => candidate.branchName === branch);
    return branchType && Object.keys(value).length === 1 ? { [branch]: withDefaults(branchType, value[branch]) } : value;
  }
  return value;
}

const fromJson = (type: avro.Type, value: unknown): unknown => type.fromString(JSON.stringify(withDefaults(type, value)));

/**
 * Whether Avro's JSON encoding of the type's values is avsc's own representation, so a valid
 * value can be written as it is: not with unions (wrapped in JSON) or bytes and fixed (strings in JSON).
 */
function jsonIsNative(type: avro.Type, seen = new Set<avro.Type>()): boolean {
  if (seen.has(type)) return true;
  seen.add(type);
  if (type instanceof avro.types.LogicalType) return jsonIsNative(type.underlyingType, seen);
  if (type instanceof avro.types.RecordType) return type.fields.every((field) => jsonIsNative(field.type, seen));
  if (type instanceof avro.types.ArrayType) return jsonIsNative(type.itemsType, seen);
  if (type instanceof avro.types.MapType) return jsonIsNative(type.valuesType as avro.Type, seen);
  return !(
    type instanceof avro.types.UnwrappedUnionType ||
    type instanceof avro.types.WrappedUnionType ||
    type instanceof avro.types.BytesType ||
    type instanceof avro.types.FixedType
  );
}

/** The path of the first record field whose value does not fit, so an error says where (avsc says only what). */
function locate(type: avro.Type, value: unknown, path: string): string {
  if (!(type instanceof avro.types.RecordType) || !isObject(value)) return path;
  for (const field of type.fields) {
    const fieldValue = value[field.name];
    const at = path ? `${path}.${field.name}` : field.name;
    if (fieldValue === undefined) {
      if (field.defaultValue() === undefined) return at;
      continue;
    }
    try {
      fromJson(field.type, fieldValue);
    } catch {
      return locate(field.type, fieldValue, at);
    }
  }
  return path;
}

/**
 * Avro with avsc. Values are in Avro's JSON encoding (as Confluent REST Proxy takes and gives
 * them): a union value is wrapped as `{"type": value}` unless null, bytes and fixed are strings
 * of code points 0-255; payloads are Avro binary.
 */
export const avroSerde: FormatSerde = {
  schemaType: 'AVRO',
  compile(schema: ResolvedSchema): FormatCodec {
    const type = avroType(schema);
    const native = jsonIsNative(type);
    return {
      schemaType: 'AVRO',
      encode(value) {
        if (value === undefined) throw new Error('no value given');
        // The produce hot path: skips the JSON round trip below, which costs several times the write.
        if (native && type.isValid(value)) return type.toBuffer(value);
        let avroValue: unknown;
        try {
          avroValue = fromJson(type, value);
        } catch (error) {
          const path = locate(type, value, '');
          throw new Error(`${path ? `${path}: ` : ''}${(error as Error).message}`);
        }
        return type.toBuffer(avroValue);
      },
      decode(payload) {
        return JSON.parse(type.toString(type.fromBuffer(payload)));
      },
    };
  },
};
