import type { ResolvedSchema } from '../compatibility/types.js';
import { invalidSchema } from '../errors.js';
import { parseAvro } from './avro.js';
import { parseJsonSchema } from './json-schema.js';
import type { ParsedSchema } from './parsed-schema.js';
import { parseProtobuf } from './protobuf.js';

/** Parses and validates a schema with its references resolved; anything malformed is a 42201. */
export async function parseSchema(resolved: ResolvedSchema): Promise<ParsedSchema> {
  try {
    switch (resolved.schemaType) {
      case 'AVRO':
        return parseAvro(resolved);
      case 'PROTOBUF':
        return parseProtobuf(resolved);
      case 'JSON':
        return await parseJsonSchema(resolved);
    }
  } catch (error) {
    throw invalidSchema(`${resolved.schemaType} schema: ${error instanceof Error ? error.message : String(error)}`);
  }
}
