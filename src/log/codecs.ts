import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Decoder, Encoder } from '@toondepauw/node-zstd';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';

/**
 * Kafka's record codecs, as stored formats any client can read back: gzip (RFC 1952), Snappy's raw
 * block format, the LZ4 frame format, and Zstandard frames (with or without a dictionary).
 */
export const RECORD_CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
export type RecordCodec = (typeof RECORD_CODECS)[number];
/** What a topic or a producer asks for: a codec, or none. */
export type Compression = RecordCodec | 'none';

export const isRecordCodec = (name: string): name is RecordCodec => (RECORD_CODECS as readonly string[]).includes(name);

/**
 * Level 1: on ~1 KB JSON records with a dictionary it compresses as well as the default level 3
 * and takes about half the time (bench/README.md, "Compression").
 */
const ZSTD_LEVEL = 1;
const plainZstd = { encoder: new Encoder(ZSTD_LEVEL), decoder: new Decoder() };

/**
 * A Zstandard dictionary, used as zstd's "raw content" dictionary: bytes that compression may refer
 * back to, so a small record compresses as if it followed records like it. Its id is a hash of its
 * bytes, so one id always means the same dictionary.
 */
export class ZstdDictionary {
  readonly encoder: Encoder;
  readonly decoder: Decoder;

  constructor(
    readonly id: string,
    readonly bytes: Buffer,
  ) {
    this.encoder = new Encoder(ZSTD_LEVEL, bytes);
    this.decoder = new Decoder(bytes);
  }

  /** A dictionary from sample values (their first `size` bytes), named by the hash of its bytes. */
  static fromSamples(samples: readonly Buffer[], size: number): ZstdDictionary {
    let bytes = Buffer.concat(samples).subarray(0, size);
    // zstd reads a buffer that starts with its dictionary magic number as a trained dictionary.
    if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0xec30a437) bytes = Buffer.concat([Buffer.alloc(1), bytes.subarray(0, size - 1)]);
    return new ZstdDictionary(createHash('sha256').update(bytes).digest('hex').slice(0, 12), Buffer.from(bytes));
  }
}

export function compress(codec: RecordCodec, bytes: Buffer, dictionary?: ZstdDictionary): Buffer {
  switch (codec) {
    case 'gzip':
      return gzipSync(bytes);
    case 'snappy':
      return snappyCompress(bytes);
    case 'lz4':
      return compressFrameSync(bytes);
    case 'zstd':
      return (dictionary ?? plainZstd).encoder.encodeSync(bytes);
  }
}

export function decompress(codec: RecordCodec, bytes: Buffer, dictionary?: ZstdDictionary): Buffer {
  switch (codec) {
    case 'gzip':
      return gunzipSync(bytes);
    case 'snappy':
      return snappyUncompress(bytes) as Buffer;
    case 'lz4':
      return decompressFrameSync(bytes);
    case 'zstd':
      return (dictionary ?? plainZstd).decoder.decodeSync(bytes);
  }
}
