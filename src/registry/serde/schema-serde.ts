import { ErrorCode, GatewayError } from '../../errors.js';
import type { ResolvedSchema } from '../compatibility/types.js';
import { LruCache } from '../lru-cache.js';
import type { SchemaType } from '../types.js';
import { avroSerde } from './avro-serde.js';
import type { EncodeOptions, FormatCodec, FormatSerde } from './format-serde.js';
import { jsonSchemaSerde } from './json-schema-serde.js';
import { protobufSerde } from './protobuf-serde.js';
import { readHeader, withHeader } from './wire-format.js';

export type { EncodeOptions, FormatCodec } from './format-serde.js';

/** Where schemas come from: the registry service. Throws a GatewayError (40403) for an unknown id. */
export interface SchemaSource {
  resolvedSchema(id: number): Promise<ResolvedSchema>;
}

export interface DecodedValue {
  schemaId: number;
  schemaType: SchemaType;
  value: unknown;
}

const SERDES: Record<SchemaType, FormatSerde> = { AVRO: avroSerde, PROTOBUF: protobufSerde, JSON: jsonSchemaSerde };

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Encodes JSON values into the Confluent wire format and decodes them back, with the schema the
 * bytes name. Codecs are compiled once per schema id (ids never change meaning) and cached.
 * Every failure is a GatewayError with a message saying what is wrong; nothing throws anything else.
 */
export class SchemaSerde {
  private readonly codecs: LruCache<number, Promise<FormatCodec>>;

  constructor(
    private readonly source: SchemaSource,
    options: { maxCachedSchemas?: number } = {},
  ) {
    this.codecs = new LruCache(options.maxCachedSchemas ?? 1000);
  }

  /** The compiled codec of a schema id (40403 when the registry does not know it). */
  codec(schemaId: number): Promise<FormatCodec> {
    const cached = this.codecs.get(schemaId);
    if (cached) return cached;
    const compiled = this.compile(schemaId);
    this.codecs.set(schemaId, compiled);
    // A failure is not remembered: the schema may be registered (or Redis reachable) next time.
    compiled.catch(() => this.codecs.delete(schemaId));
    return compiled;
  }

  private async compile(schemaId: number): Promise<FormatCodec> {
    const schema = await this.source.resolvedSchema(schemaId);
    try {
      return await SERDES[schema.schemaType].compile(schema);
    } catch (error) {
      throw new GatewayError(ErrorCode.INVALID_PAYLOAD, `Schema ${schemaId} (${schema.schemaType}) cannot be compiled: ${message(error)}`, { cause: error });
    }
  }

  /** Validates `value` against schema `schemaId` and writes it in the wire format (42205 when it does not match). */
  async encode(schemaId: number, value: unknown, options: EncodeOptions = {}): Promise<Buffer> {
    return (await this.encoder(schemaId))(value, 'Value', options);
  }

  /**
   * A synchronous encoder for one schema, for many values without a lookup each: it validates a
   * value and writes it in the wire format, 42205 naming `what` (e.g. `records[3].value`) when the
   * value does not match.
   */
  async encoder(schemaId: number): Promise<(value: unknown, what: string, options?: EncodeOptions) => Buffer> {
    if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 2 ** 31 - 1) {
      throw new GatewayError(ErrorCode.INVALID_PAYLOAD, `Schema id must be an integer between 0 and 2^31-1, got ${schemaId}`);
    }
    const codec = await this.codec(schemaId);
    return (value, what, options = {}) => {
      let payload: Buffer;
      try {
        payload = codec.encode(value, options);
      } catch (error) {
        throw new GatewayError(ErrorCode.INVALID_PAYLOAD, `${what} does not match schema ${schemaId} (${codec.schemaType}): ${message(error)}`, {
          cause: error,
        });
      }
      return withHeader(schemaId, payload);
    };
  }

  /** Reads wire-format bytes with the schema they name (42205 when malformed, 40403 when the id is unknown). */
  async decode(bytes: Buffer): Promise<DecodedValue> {
    const header = readHeader(bytes);
    if ('error' in header) throw new GatewayError(ErrorCode.INVALID_PAYLOAD, `Cannot decode: ${header.error}`);
    const codec = await this.codec(header.schemaId);
    try {
      return { schemaId: header.schemaId, schemaType: codec.schemaType, value: codec.decode(header.payload) };
    } catch (error) {
      throw new GatewayError(ErrorCode.INVALID_PAYLOAD, `Cannot decode with schema ${header.schemaId} (${codec.schemaType}): ${message(error)}`, {
        cause: error,
      });
    }
  }
}
