import type { InjectOptions } from 'fastify';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Encoder } from '@toondepauw/node-zstd';
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
const produceV3 = (body: Buffer) =>
  inject({ method: 'POST', url: `${gw.v3}/topics/bodies/records`, headers: { 'content-type': 'application/json', 'content-encoding': 'zstd' }, payload: body });
const endOffset = async () => (await inject({ url: '/topics/bodies/partitions/0/offsets' })).json().end_offset as number;

describe('request bodies with Content-Encoding: zstd', () => {
  const zstd = (value: unknown) => new Encoder(3).encodeSync(Buffer.from(JSON.stringify(value)));
  const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
  /** A frame header without checksum or dictionary: `descriptor` and what follows it, then one last raw block of `content`. */
  const handBuilt = (header: number[], content = Buffer.from('{"records":[{"value":1}]}')) =>
    Buffer.concat([magic, Buffer.from(header), Buffer.from([((content.length << 3) | 1) & 0xff, (content.length >> 5) & 0xff, content.length >> 13]), content]);
  const readBack = async (offset: number) => (await inject({ url: `${gw.v3}/topics/bodies/partitions/0/records?offset=${offset}&max_records=10` })).json();

  it('accepts a zstd body on v2 and v3 produce, and the records read back', async () => {
    const before = await endOffset();
    const v2 = await produce(zstd({ records: [{ value: { order: 1 } }, { value: { order: 2 } }] }), 'zstd');
    expect(v2.statusCode).toBe(200);
    expect(v2.json().offsets).toHaveLength(2);
    const v3 = await produceV3(zstd({ partition_id: 0, value: { type: 'JSON', data: { order: 3 } } }));
    expect(v3.statusCode).toBe(200);
    expect(v3.json().offset).toBe(before + 2);
    expect(JSON.stringify(await readBack(before))).toMatch(/"order":1.*"order":2.*"order":3/s);
  });

  it('accepts a body of several frames and a hand-built single-segment frame', async () => {
    const before = await endOffset();
    const text = JSON.stringify(records(2));
    const twoFrames = Buffer.concat([new Encoder(3).encodeSync(Buffer.from(text.slice(0, 40))), new Encoder(3).encodeSync(Buffer.from(text.slice(40)))]);
    expect((await produce(twoFrames, 'zstd')).statusCode).toBe(200);
    // Single_Segment, one-byte content size: the window is the content.
    const content = Buffer.from('{"records":[{"value":"hand-built"}]}');
    expect((await produce(handBuilt([0x20, content.length], content), 'zstd')).statusCode).toBe(200);
    expect(await endOffset()).toBe(before + 3);
  });

  it('cuts a zstd bomb off at the body limit: 413, nothing written, memory bounded', async () => {
    const before = await endOffset();
    // 64 frames of 1 MiB of repeated records each, 64 MiB in all against the 1 MiB body limit; made one frame at a time so the test itself stays small.
    const line = Buffer.from(JSON.stringify({ value: 'x'.repeat(1000) }) + ',');
    const frame = new Encoder(3).encodeSync(Buffer.alloc(1024 * 1024, line));
    const bomb = Buffer.concat([new Encoder(3).encodeSync(Buffer.from('{"records":[')), ...Array.from({ length: 64 }, () => frame)]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    // The decoder works through one injected chunk synchronously, so the process's peak RSS is what tells.
    const rssBefore = process.memoryUsage().rss;
    const response = await produce(bomb, 'zstd');
    const peakGrowth = process.resourceUsage().maxRSS * 1024 - rssBefore;
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ error_code: 413, message: expect.any(String) });
    console.info(`zstd bomb: peak RSS ${(peakGrowth / 2 ** 20).toFixed(1)} MiB above the RSS before the request`);
    expect(peakGrowth).toBeLessThan(64 * 1024 * 1024);
    expect(await endOffset()).toBe(before);
  });

  it('refuses a frame that declares a window larger than 8 MiB with 413 before decoding it, in any frame of the body', async () => {
    const before = await endOffset();
    // Window_Descriptor 0xa0: 2^(10+20) = 1 GiB; a decoder would allocate it up front.
    const hugeWindow = handBuilt([0x00, 0xa0]);
    // Single_Segment with an 8-byte content size of 1 GiB: the window is that size.
    const hugeContent = handBuilt([0xe0, 0, 0, 0, 0x40, 0, 0, 0, 0]);
    const laterFrame = Buffer.concat([zstd({ records: [{ value: 1 }] }), hugeWindow]);
    for (const body of [hugeWindow, hugeContent, laterFrame]) {
      const response = await produce(body, 'zstd');
      expect(response.statusCode).toBe(413);
      expect(response.json()).toEqual({ error_code: 413, message: expect.stringContaining('1073741824-byte window') });
    }
    expect(await endOffset()).toBe(before);
  });

  it('refuses what is not zstd with 400 and a Confluent error body, writing nothing', async () => {
    const before = await endOffset();
    const valid = zstd(records(1));
    const bodies = {
      'garbage after the magic number': Buffer.concat([magic, Buffer.from('this is not a zstd frame at all')]),
      'a compressed block of garbage': Buffer.concat([magic, Buffer.from([0x00, 0x00, (20 << 3) | 0b101, 0, 0]), Buffer.alloc(20, 0xa5)]),
      'a truncated frame': valid.subarray(0, valid.length - 3),
      'plain JSON': Buffer.from(JSON.stringify(records(1))),
      'a skippable frame': Buffer.from([0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]),
    };
    for (const [what, body] of Object.entries(bodies)) {
      const response = await produce(body, 'zstd');
      expect(response.statusCode, what).toBe(400);
      expect(response.json(), what).toEqual({ error_code: 400, message: expect.stringContaining("Content-Encoding 'zstd'") });
    }
    expect(await endOffset()).toBe(before);
  });
});

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
