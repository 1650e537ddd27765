import type { InjectOptions } from 'fastify';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasZstd } from '../../src/http/body-compression.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;

beforeAll(async () => {
  redis = await suiteRedis();
  gw = await startGateway({ redisUrl: redis.url, env: { BODY_LIMIT_BYTES: String(1024 * 1024) } });
  await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'bodies', partitions_count: 1 } });
});
afterAll(async () => {
  await gw?.close();
  await redis?.stop();
});

const inject = (options: InjectOptions) => gw.app.inject(options);
const records = (n: number, text = 'a compressible order line ') => ({
  records: Array.from({ length: n }, (_, i) => ({ value: { i, text: text.repeat(10) } })),
});
const produce = (body: Buffer, encoding: string) =>
  inject({
    method: 'POST',
    url: '/topics/bodies/partitions/0',
    headers: { 'content-type': 'application/vnd.kafka.json.v2+json', 'content-encoding': encoding },
    payload: body,
  });
const endOffset = async () => (await inject({ url: '/topics/bodies/partitions/0/offsets' })).json().end_offset as number;

describe('request bodies with Content-Encoding', () => {
  it.each([
    ['gzip', gzipSync],
    ['br', brotliCompressSync],
  ] as const)('accepts a %s produce body', async (encoding, compress) => {
    const before = await endOffset();
    const response = await produce(compress(Buffer.from(JSON.stringify(records(3)))), encoding);
    expect(response.statusCode).toBe(200);
    expect(response.json().offsets).toHaveLength(3);
    expect(await endOffset()).toBe(before + 3);
  });

  it('accepts zstd bodies where the runtime has zstd, and refuses them with 415 elsewhere', async () => {
    // Any zstd frame will do for the refusal; where zstd is supported, Node's own encoder makes the body.
    const zstd = await import('node:zlib').then((zlib) => (zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync);
    const body = zstd ? zstd(Buffer.from(JSON.stringify(records(1)))) : Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0]);
    const response = await produce(body, 'zstd');
    expect(response.statusCode).toBe(hasZstd() ? 200 : 415);
  });

  it('refuses an unknown Content-Encoding with 415 and a Confluent error body, writing nothing', async () => {
    const before = await endOffset();
    const response = await produce(Buffer.from(JSON.stringify(records(1))), 'compress');
    expect(response.statusCode).toBe(415);
    expect(response.json()).toEqual({ error_code: 415, message: expect.stringContaining("Unsupported Content-Encoding 'compress'") });
    expect(await endOffset()).toBe(before);
  });

  it('refuses a body that is not what its Content-Encoding says with 400', async () => {
    const response = await produce(Buffer.from(JSON.stringify(records(1))), 'gzip');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error_code: 400, message: expect.any(String) });
  });

  it('counts decompressed bytes against the body limit: a zip bomb is 413 and writes nothing', async () => {
    const before = await endOffset();
    // 64 MB of one repeated record inside ~64 KB of gzip, against a 1 MB body limit.
    const line = Buffer.from(JSON.stringify({ value: 'x'.repeat(1000) }) + ',');
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"records":['), Buffer.alloc(64 * 1024 * 1024, line), Buffer.from('{"value":1}]}')]), { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const response = await produce(bomb, 'gzip');
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ error_code: 413, message: expect.any(String) });
    expect(await endOffset()).toBe(before);
  });
});

describe('responses with Accept-Encoding', () => {
  it('compresses a large response as the client accepts, and leaves small ones and clients that accept nothing alone', async () => {
    await produce(gzipSync(Buffer.from(JSON.stringify(records(20)))), 'gzip');
    const url = `${gw.v3}/topics/bodies/partitions/0/records?offset=0&max_records=20`;
    const plain = await inject({ url });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(2048);

    const gzipped = await inject({ url, headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gzipped.rawPayload).toString())).toEqual(plain.json());
    expect(gzipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);

    const brotli = await inject({ url, headers: { 'accept-encoding': 'br;q=1, gzip;q=0.5' } });
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(brotli.rawPayload).toString())).toEqual(plain.json());

    const small = await inject({ url: '/topics/bodies/partitions/0/offsets', headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers['content-encoding']).toBeUndefined();
  });
});
