import fastifyCompress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';
import * as zlib from 'node:zlib';
import { ErrorCode, GatewayError } from '../errors.js';

/** Responses smaller than this go out as they are: compressing them saves less than it costs. */
const RESPONSE_THRESHOLD_BYTES = 1024;

/**
 * HTTP compression with Fastify's own plugin: request bodies in gzip, br or zstd are decompressed
 * as they arrive, so the body limit counts decompressed bytes and a zip bomb is cut off at the
 * limit (413); responses of 1 KB and more are compressed as `Accept-Encoding` asks. zstd needs a
 * runtime whose zlib has it (Node.js 22.15+); elsewhere a zstd body is 415, like any unknown one.
 */
export async function installBodyCompression(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCompress, {
    threshold: RESPONSE_THRESHOLD_BYTES,
    requestEncodings: ['zstd', 'br', 'gzip', 'identity'],
    // The plugin's default brotli quality (4) but for text, which JSON is.
    brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT, [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } },
    onUnsupportedRequestEncoding: (encoding) => unsupportedEncoding(encoding),
  });
}

const unsupportedEncoding = (encoding: string): GatewayError =>
  new GatewayError(
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    `Unsupported Content-Encoding '${encoding}': request bodies may be gzip, br${hasZstd() ? ', zstd' : ''} or identity.`,
  );

/** Node.js 22.15+ (the plugin decompresses zstd with the runtime's zlib). */
export const hasZstd = (): boolean => typeof (zlib as Record<string, unknown>).createZstdDecompress === 'function';
