import protobuf from 'protobufjs';
import type { ResolvedSchema } from '../compatibility/types.js';
import { protobufSchema } from '../schema/protobuf.js';
import type { FormatCodec, FormatSerde } from './format-serde.js';
import { fromProtobufJson } from './protobuf-json.js';
import { decodeMessageIndexes, encodeMessageIndexes } from './wire-format.js';

/** proto3 JSON output: 64-bit integers and bytes as strings, enums by name. */
const JSON_OUTPUT: protobuf.IConversionOptions = { longs: String, enums: String, bytes: String, json: true };

const nestedMessages = (type: protobuf.Type) => type.nestedArray.filter((nested): nested is protobuf.Type => nested instanceof protobuf.Type);

/**
 * Protobuf with protobufjs. Values follow the proto3 JSON mapping (see protobuf-json.ts); the
 * payload is the message indexes, then the binary message. Reading accepts the `[0]` shortcut,
 * the long form and — as some clients (e.g. @kafkajs/confluent-schema-registry) write — no
 * indexes at all, which is read as the first message.
 */
export const protobufSerde: FormatSerde = {
  schemaType: 'PROTOBUF',
  compile(schema: ResolvedSchema): FormatCodec {
    const { root, messages } = protobufSchema(schema, false);
    const topLevel = messages.map((name) => root.lookupType(name));

    const byIndexes = (indexes: number[]): protobuf.Type | undefined => {
      let type = topLevel[indexes[0]];
      for (const index of indexes.slice(1)) type = type && nestedMessages(type)[index];
      return type;
    };

    const byName = (name: string): { type: protobuf.Type; indexes: number[] } | undefined => {
      const wanted = name.replace(/^\./, '');
      const search = (types: protobuf.Type[], path: number[]): { type: protobuf.Type; indexes: number[] } | undefined => {
        for (const [index, type] of types.entries()) {
          if (type.fullName.slice(1) === wanted || type.name === wanted) return { type, indexes: [...path, index] };
          const found = search(nestedMessages(type), [...path, index]);
          if (found) return found;
        }
        return undefined;
      };
      return search(topLevel, []);
    };

    const decodeWith = (type: protobuf.Type, bytes: Buffer) => type.toObject(type.decode(bytes), JSON_OUTPUT);

    return {
      schemaType: 'PROTOBUF',
      encode(value, options) {
        if (topLevel.length === 0) throw new Error('the schema declares no message');
        const target = options.messageName === undefined ? { type: topLevel[0], indexes: [0] } : byName(options.messageName);
        if (!target) throw new Error(`the schema has no message named '${options.messageName}'`);
        const message = target.type.fromObject(fromProtobufJson(target.type, value));
        return Buffer.concat([encodeMessageIndexes(target.indexes), Buffer.from(target.type.encode(message).finish())]);
      },
      decode(payload) {
        if (topLevel.length === 0) throw new Error('the schema declares no message');
        const indexed = decodeMessageIndexes(payload);
        const type = indexed && byIndexes(indexed.indexes);
        if (indexed && type) {
          try {
            return decodeWith(type, payload.subarray(indexed.offset));
          } catch (error) {
            if (payload[0] === 0) throw error;
          }
        }
        // No message indexes: the payload is the first message itself (a message never starts with 0x00).
        return decodeWith(topLevel[0], payload);
      },
    };
  },
};
