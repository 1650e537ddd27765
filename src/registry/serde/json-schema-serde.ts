import type { ResolvedSchema } from '../compatibility/types.js';
import { compileJsonSchema } from '../schema/json-schema.js';
import type { FormatCodec, FormatSerde } from './format-serde.js';

/** JSON Schema with Ajv: the payload is the value's UTF-8 JSON, validated both ways. */
export const jsonSchemaSerde: FormatSerde = {
  schemaType: 'JSON',
  async compile(schema: ResolvedSchema): Promise<FormatCodec> {
    const validate = await compileJsonSchema(schema);
    const check = (value: unknown) => {
      if (!validate(value)) {
        const errors = (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
        throw new Error(errors.join('; '));
      }
    };
    return {
      schemaType: 'JSON',
      encode(value) {
        if (value === undefined) throw new Error('no value given');
        check(value);
        return Buffer.from(JSON.stringify(value), 'utf8');
      },
      decode(payload) {
        const value: unknown = JSON.parse(payload.toString('utf8'));
        check(value);
        return value;
      },
    };
  },
};
