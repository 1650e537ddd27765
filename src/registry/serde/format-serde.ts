import type { ResolvedSchema } from '../compatibility/types.js';
import type { SchemaType } from '../types.js';

export interface EncodeOptions {
  /** Protobuf: the message to encode (full or simple name); the schema's first message when absent. */
  messageName?: string;
}

/** One schema compiled for one format: JSON values in, payload bytes (after the 5-byte header) out, and back. */
export interface FormatCodec {
  readonly schemaType: SchemaType;
  /** Throws an Error saying where the value does not match the schema. */
  encode(value: unknown, options: EncodeOptions): Buffer;
  /** Throws an Error when the payload does not decode with the schema. */
  decode(payload: Buffer): unknown;
}

/** A format's serializer: compiles a schema (with its references) into a codec. */
export interface FormatSerde {
  readonly schemaType: SchemaType;
  compile(schema: ResolvedSchema): FormatCodec | Promise<FormatCodec>;
}
