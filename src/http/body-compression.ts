import fastifyCompress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';
import * as zlib from 'node:zlib';
import { pipeline } from 'node:stream';
import { ErrorCode, GatewayError } from '../errors.js';
import { ZstdBodyDecoder } from './zstd-body.js';

/** Responses smaller than this go out as they are: compressing them saves less than it costs. */
const RESPONSE_THRESHOLD_BYTES = 1024;

/**
 * HTTP compression with Fastify's own plugin: request bodies in gzip, br or zstd are decompressed
 * as they arrive, so the body limit counts decompressed bytes and a zip bomb is cut off at the
 * limit (413); responses of 1 KB and more are compressed as `Accept-Encoding` asks. The plugin
 * decompresses zstd with the runtime's zlib (Node.js 22.15+); elsewhere our own preParsing hook,
 * which runs before the plugin's, decodes zstd bodies (see zstd-body.ts).
 */
export async function installBodyCompression(app: FastifyInstance): Promise<void> {
  if (!hasZstd()) installZstdBodies(app);
  await app.register(fastifyCompress, {
    threshold: RESPONSE_THRESHOLD_BYTES,
    requestEncodings: ['zstd', 'br', 'gzip', 'identity'],
    // The plugin's default brotli quality (4) but for text, which JSON is.
    brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT, [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } },
    onUnsupportedRequestEncoding: (encoding) => unsupportedEncoding(encoding),
  });
}

/**
 * Instance-level preParsing hooks run before the route-level one the plugin adds. Once the body
 * is ours, its `content-encoding` goes (so the plugin passes the stream on) and so does its
 * `content-length`, which counts compressed bytes and would not match the decoded body.
 */
function installZstdBodies(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.headers['content-encoding']?.trim().toLowerCase() !== 'zstd') return payload;
    delete request.headers['content-encoding'];
    delete request.headers['content-length'];
    const decoder = new ZstdBodyDecoder(request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? Number.POSITIVE_INFINITY);
    // Errors reach Fastify through the decoder, which it reads; the callback has nothing left to do.
    pipeline(payload, decoder, () => {});
    return decoder;
  });
}

const unsupportedEncoding = (encoding: string): GatewayError =>
  new GatewayError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `Unsupported Content-Encoding '${encoding}': request bodies may be gzip, br, zstd or identity.`);

/** Node.js 22.15+ (the plugin decompresses zstd with the runtime's zlib). */
export const hasZstd = (): boolean => typeof (zlib as Record<string, unknown>).createZstdDecompress === 'function';
