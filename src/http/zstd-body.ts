import { Decompress } from 'fzstd';
import { Transform, type TransformCallback } from 'node:stream';
import { ErrorCode, GatewayError } from '../errors.js';

/**
 * zstd request bodies for a runtime whose zlib has no zstd (Node.js 20): a pure-JS streaming
 * decoder (fzstd) behind a guard that reads the frame structure itself. fzstd allocates a frame's
 * declared window as soon as it sees the header, and one push may inflate many blocks, so the
 * guard refuses a large window before the decoder sees that header, and the compressed bytes go in
 * in small slices so the output can be cut off at the body limit, whatever the ratio.
 */

/** The largest window a frame may declare (zstd's own decoder accepts 128 MiB; 8 MiB is level 19's). */
export const MAX_WINDOW_BYTES = 8 * 1024 * 1024;
/** At most ~21 RLE blocks (128 KiB each) fit in one slice, so one push yields at most ~2.7 MB. */
const SLICE_BYTES = 64;
/** Decoded pieces are handed on in chunks of about this size rather than one per slice. */
const PUSH_BYTES = 64 * 1024;
/** RFC 8878 §3.1.1.2: Block_Maximum_Size. */
const MAX_BLOCK_BYTES = 128 * 1024;
const MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

const invalidZstd = (detail: string): GatewayError =>
  new GatewayError(ErrorCode.BAD_REQUEST, `Could not decompress the request body as Content-Encoding 'zstd': ${detail}.`);

const windowTooLarge = (window: number): GatewayError =>
  new GatewayError(
    ErrorCode.PAYLOAD_TOO_LARGE,
    `The zstd request body declares a ${window}-byte window; at most ${MAX_WINDOW_BYTES} bytes (8 MiB, zstd level 19's) are accepted.`,
  );

const bodyTooLarge = (limit: number): GatewayError =>
  new GatewayError(ErrorCode.PAYLOAD_TOO_LARGE, `Request body is larger than the configured limit (${limit} bytes decompressed).`);

/** The window a frame header declares, by RFC 8878 §3.1.1.1 (the header must be complete). */
function frameWindow(header: Buffer): number {
  const descriptor = header[4]!;
  const singleSegment = (descriptor >> 5) & 1;
  if (!singleSegment) {
    const windowDescriptor = header[5]!;
    const base = 2 ** (10 + (windowDescriptor >> 3));
    return base + (base / 8) * (windowDescriptor & 7);
  }
  // Single_Segment: the window is the whole content, whose size follows the (absent) window descriptor and dictionary ID.
  const offset = 5 + dictionaryIdBytes(descriptor);
  switch (contentSizeBytes(descriptor)) {
    case 1:
      return header[offset]!;
    case 2:
      return header.readUInt16LE(offset) + 256;
    case 4:
      return header.readUInt32LE(offset);
    default:
      return header.readUInt32LE(offset + 4) * 2 ** 32 + header.readUInt32LE(offset);
  }
}

const dictionaryIdBytes = (descriptor: number): number => [0, 1, 2, 4][descriptor & 3]!;
const contentSizeBytes = (descriptor: number): number => [(descriptor >> 5) & 1, 2, 4, 8][descriptor >> 6]!;
const headerBytes = (descriptor: number): number => 4 + 1 + ((descriptor >> 5) & 1 ? 0 : 1) + dictionaryIdBytes(descriptor) + contentSizeBytes(descriptor);

type Part = 'header' | 'block header' | 'block' | 'checksum';

/**
 * Walks the compressed bytes frame by frame (header, block headers, checksum), so every frame's
 * header is checked before the decoder sees it — later frames too. `accept` returns the bytes that
 * may go to the decoder now; an incomplete header is held back until it is whole.
 */
export class ZstdFrameGuard {
  private part: Part = 'header';
  private held: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private lastBlock = false;
  private checksum = false;
  private frames = 0;

  accept(bytes: Buffer): Buffer[] {
    const safe: Buffer[] = [];
    let at = 0;
    while (at < bytes.length) {
      if (this.part === 'block' || this.part === 'checksum') {
        const take = Math.min(this.remaining, bytes.length - at);
        safe.push(bytes.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) this.endOfPart();
        continue;
      }
      const take = Math.min(this.needed() - this.held.length, bytes.length - at);
      this.held = Buffer.concat([this.held, bytes.subarray(at, at + take)]);
      at += take;
      if (this.part === 'header' && this.held.length >= 4) this.checkMagic();
      if (this.held.length < this.needed()) continue;
      if (this.part === 'header') this.checkHeader();
      else this.readBlockHeader();
      safe.push(this.held);
      this.held = Buffer.alloc(0);
      if (this.remaining === 0) this.endOfPart();
    }
    return safe;
  }

  /** The body ended: it must end where a frame ends. */
  finish(): void {
    if (this.frames === 0 || this.part !== 'header' || this.held.length > 0) throw invalidZstd('the body ends inside a frame');
  }

  private needed(): number {
    if (this.part === 'block header') return 3;
    return this.held.length < 5 ? 5 : headerBytes(this.held[4]!);
  }

  private checkMagic(): void {
    const magic = this.held.readUInt32LE(0);
    if (magic === MAGIC) return;
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) throw invalidZstd('skippable frames are not accepted');
    throw invalidZstd('not a zstd frame');
  }

  private checkHeader(): void {
    const descriptor = this.held[4]!;
    // Bit 3 is reserved and must be zero (RFC 8878 §3.1.1.1.1.5).
    if (descriptor & 0x08) throw invalidZstd('reserved bit set in the frame header');
    if (descriptor & 3 && this.dictionaryId() !== 0) throw invalidZstd('frames made with a dictionary are not accepted');
    const window = frameWindow(this.held);
    if (window > MAX_WINDOW_BYTES) throw windowTooLarge(window);
    this.checksum = Boolean(descriptor & 0x04);
    this.part = 'block header';
    this.remaining = 0;
  }

  private dictionaryId(): number {
    const descriptor = this.held[4]!;
    const offset = (descriptor >> 5) & 1 ? 5 : 6;
    return this.held.readUIntLE(offset, dictionaryIdBytes(descriptor));
  }

  private readBlockHeader(): void {
    const header = this.held.readUIntLE(0, 3);
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3) throw invalidZstd('reserved block type');
    if (size > MAX_BLOCK_BYTES) throw invalidZstd('block larger than 128 KiB');
    this.lastBlock = Boolean(header & 1);
    this.part = 'block';
    // An RLE block is one byte repeated `size` times.
    this.remaining = type === 1 ? 1 : size;
  }

  private endOfPart(): void {
    if (this.part === 'block' && !this.lastBlock) {
      this.part = 'block header';
    } else if (this.part === 'block' && this.checksum) {
      this.part = 'checksum';
      this.remaining = 4;
    } else if (this.part === 'block' || this.part === 'checksum') {
      this.part = 'header';
      this.frames++;
    }
  }
}

/**
 * A stream that decodes a zstd body as it arrives and fails with 413 as soon as the decoded
 * bytes pass `limit`, with 413 for a frame whose window is too large and 400 for anything that
 * is not zstd. `receivedEncodedLength` is what Fastify compares with the body limit for the
 * compressed side (as @fastify/compress sets it).
 */
export class ZstdBodyDecoder extends Transform {
  receivedEncodedLength = 0;
  private readonly guard = new ZstdFrameGuard();
  private readonly decoder: Decompress;
  private decoded = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly limit: number) {
    super();
    this.decoder = new Decompress((data) => this.onDecoded(data));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.receivedEncodedLength += chunk.length;
    try {
      for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
        for (const safe of this.guard.accept(chunk.subarray(at, at + SLICE_BYTES))) this.decode(safe, false);
      }
      this.pushPending();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.guard.finish();
      this.decode(new Uint8Array(0), true);
      this.pushPending();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private decode(bytes: Uint8Array, final: boolean): void {
    try {
      this.decoder.push(bytes, final);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw invalidZstd((error as Error).message);
    }
  }

  private onDecoded(data: Uint8Array): void {
    this.decoded += data.length;
    if (this.decoded > this.limit) throw bodyTooLarge(this.limit);
    if (data.length === 0) return;
    // fzstd may hand out a view of its window, which the next block overwrites.
    this.pending.push(Buffer.from(data));
    this.pendingBytes += data.length;
    if (this.pendingBytes >= PUSH_BYTES) this.pushPending();
  }

  private pushPending(): void {
    if (this.pendingBytes === 0) return;
    this.push(Buffer.concat(this.pending, this.pendingBytes));
    this.pending = [];
    this.pendingBytes = 0;
  }
}
