import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyBaseLogger } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import type { WebSocket } from 'ws';
import { alreadyConsuming, ErrorCode, GatewayError, notConsuming, subscriptionExclusive } from '../errors.js';
import type { Services } from '../services.js';
import { toBytes } from '../records/embedded-format.js';
import { toErrorBody } from '../http/error-handler.js';
import { parseJson } from '../json-text.js';
import {
  CLIENT_MESSAGES,
  type AssignMessage,
  type CommitMessage,
  type ProduceMessage,
  type SeekMessage,
  type SubscribeMessage,
} from '../../schemas/ws/messages.js';
import type { DeliveredRun } from '../consume/partition-delivery.js';
import { Consumer, type StartOffset } from '../consume/consumer.js';
import type { ClientQueue } from '../consume/outbound-budget.js';
import type { TopicPartitionOffset } from '../log/store.js';

/** Records a client receives before it must grant more with a `credit` message, unless it asks otherwise. */
export const DEFAULT_CREDIT = 1000;
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5000;

/** WebSocket close codes the gateway uses (documented in openapi/asyncapi.yaml). */
export const CloseCode = {
  /** The client kept sending invalid messages. */
  POLICY_VIOLATION: 1008,
  /** The client took none of the records queued for it for CLIENT_STALL_TIMEOUT_MS. */
  STALLED: 4001,
  /** A newer socket joined the group with this member's group_instance_id and took its place. */
  FENCED: 4002,
} as const;

const ajv = new Ajv({ allErrors: false, strict: false });
const validators = Object.fromEntries(Object.entries(CLIENT_MESSAGES).map(([type, schema]) => [type, ajv.compile(schema)])) as Record<
  keyof typeof CLIENT_MESSAGES,
  ValidateFunction
>;

/** A client message as its JSON Schema describes it (validated before it is dispatched). */
type ClientMessage = { [T in keyof typeof CLIENT_MESSAGES]: FromSchema<(typeof CLIENT_MESSAGES)[T]> }[keyof typeof CLIENT_MESSAGES];

/**
 * One WebSocket: a consumer (a group member, or a reader of chosen partitions) that can also
 * produce — a thin adapter between the message protocol and the consumer core. Every client
 * message is validated; a bad one gets an `error` message and the connection stays open.
 */
export class SocketSession {
  private consumer: Consumer | undefined;
  private readonly queue: ClientQueue;
  private readonly strikes = new InvalidMessages();
  /** Runs of records delivered since the last flush, and their length as JSON text. */
  private pendingRuns: DeliveredRun[] = [];
  private pendingBytes = 0;
  /** Per partition, the first record the socket could no longer carry (it was closing): not delivered, so never committed. */
  private readonly undelivered = new Map<string, TopicPartitionOffset>();
  private closed = false;
  /** The consumer requests in flight, one after another (see receive). */
  private consumerRequests: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: WebSocket,
    readonly services: Services,
    private readonly log: FastifyBaseLogger,
  ) {
    this.queue = services.outbound.open({
      // A shared frame (a Buffer) goes out as a text frame too; ws frames it without copying.
      write: (data, flushed) => socket.send(data, { binary: false }, flushed),
      drained: () => {
        if (socket.isPaused) socket.resume();
        this.consumer?.delivery.drained();
      },
      stalled: () => this.disconnect(CloseCode.STALLED, 'Consumer stalled: it read none of its queued records in time.'),
    });
    socket.on('message', (data, isBinary) => void this.receive(data as Buffer, isBinary));
    socket.on('close', () => void this.close());
    socket.on('error', () => void this.close());
  }

  /** Closes the connection with `code`; one that cannot take even the close frame is cut after a second. */
  private disconnect(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), 1000).unref();
    void this.close();
  }

  /** Sends a server message, after any records still waiting to go (so a `revoked` follows its records). */
  send(message: object): void {
    this.flushRecords();
    this.write(message);
  }

  /**
   * Queues records for the socket: what every partition delivers in one turn of the event loop
   * goes out as one `records` message (each record names its partition), so a member holding
   * several partitions pays for one frame, not one per partition.
   */
  private sendRecords(run: DeliveredRun): void {
    if (this.pendingRuns.length === 0) this.services.outbound.schedule(() => this.flushRecords());
    this.pendingRuns.push(run);
    // What waits for the flush counts against the socket's room at once.
    this.pendingBytes += run.rendering.at[run.end] - run.rendering.at[run.start];
  }

  /** Sends the records waiting to go; returns the bytes written. */
  private flushRecords(): number {
    if (this.pendingRuns.length === 0) return 0;
    const runs = this.pendingRuns;
    const bytes = this.pendingBytes;
    this.pendingRuns = [];
    this.pendingBytes = 0;
    if (this.closed || this.socket.readyState !== this.socket.OPEN) {
      // A closing socket sends nothing more; runs of one partition come in order, so the first is where delivery ended.
      for (const { batch, start } of runs) {
        const key = `${batch.topic}:${batch.partition}`;
        if (!this.undelivered.has(key)) this.undelivered.set(key, { topic: batch.topic, partition: batch.partition, offset: batch.records[start].offset });
      }
      return 0;
    }
    for (const message of recordsMessages(runs)) this.write(message);
    return bytes;
  }

  /**
   * Every message counts against the socket's share of the outbound budget until flushed. Replies
   * are not held back like records, so a client that sends requests and reads no replies is not
   * read from until its queue drains: TCP then pushes back on it.
   */
  private write(message: object | string | Buffer): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.queue.write(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
    if (this.queue.overflowing() && !this.socket.isPaused) this.socket.pause();
  }

  sendError(error: unknown, id?: unknown): void {
    const { body, unexpected } = toErrorBody(error);
    if (unexpected) this.log.error({ err: error }, 'websocket request failed');
    this.send({ type: 'error', ...(id === undefined ? {} : { id: boundedId(id) }), ...body, message: bounded(body.message, MAX_ERROR_MESSAGE) });
  }

  /** A client request failed: answered within the per-socket error rate, and a socket that keeps failing is closed. */
  private rejectRequest(error: unknown, id?: unknown): void {
    const verdict = this.strikes.hit(Date.now());
    if (verdict === 'close') return this.disconnect(CloseCode.POLICY_VIOLATION, 'Too many invalid messages.');
    if (verdict === 'reply') this.sendError(error, id);
  }

  private async receive(data: Buffer, isBinary: boolean): Promise<void> {
    let message: ClientMessage;
    try {
      if (isBinary) throw new GatewayError(ErrorCode.BAD_REQUEST, 'Messages must be JSON text frames.');
      if (data.length > MAX_MESSAGE_BYTES) throw new GatewayError(ErrorCode.PAYLOAD_TOO_LARGE, `A message may be at most ${MAX_MESSAGE_BYTES} bytes.`);
      message = parseMessage(data.toString('utf8'));
    } catch (error) {
      return this.rejectRequest(error);
    }
    const handle = async () => {
      try {
        await this.dispatch(message);
      } catch (error) {
        this.rejectRequest(error, 'id' in message ? message.id : undefined);
      }
    };
    // A consumer's requests take effect in the order they were sent, as calls on a Kafka consumer
    // do: a seek that looks up an offset finishes before the resume sent after it, and an assign
    // before the seek that names its partition. Produce requests are independent of the consumer
    // and of each other (each is answered with its id), so they run side by side.
    if (message.type === 'produce') return handle();
    const turn = this.consumerRequests.then(handle);
    this.consumerRequests = turn;
    return turn;
  }

  private async dispatch(message: ClientMessage): Promise<void> {
    switch (message.type) {
      case 'assign':
        return this.assign(message);
      case 'subscribe':
        return this.subscribe(message);
      case 'credit':
        return this.consuming().addCredit(message.records);
      case 'commit':
        return this.commit(message);
      case 'seek':
        return this.seek(message);
      case 'pause':
      case 'resume':
        return this.consuming().setPaused(message.partitions, message.type === 'pause');
      case 'produce':
        return this.produce(message);
    }
  }

  private consuming(): Consumer {
    if (!this.consumer) throw notConsuming();
    return this.consumer;
  }

  /** The socket's consumer, made by its first subscribe or assign (a socket is one consumer). */
  private startConsumer(message: FromSchema<typeof SubscribeMessage> | FromSchema<typeof AssignMessage>): Consumer {
    const subscribe = message.type === 'subscribe' ? message : undefined;
    this.consumer = new Consumer(
      this.services,
      { send: (run) => this.sendRecords(run), room: () => this.queue.room() - this.pendingBytes },
      {
        assigned: (partitions, generation) => this.send({ type: 'assigned', ...(generation === undefined ? {} : { generation }), partitions }),
        revoked: (partitions, generation) => this.send({ type: 'revoked', generation, partitions }),
        error: (error) => this.sendError(error),
        fenced: (error) => {
          this.sendError(error);
          this.disconnect(CloseCode.FENCED, "Fenced: a newer connection took this group member's place.");
        },
      },
      {
        format: message.format ?? 'json',
        credit: message.credit ?? DEFAULT_CREDIT,
        offsetReset: subscribe?.auto_offset_reset ?? (subscribe ? 'latest' : 'earliest'),
        delivery: subscribe?.delivery ?? 'at-least-once',
        autoCommitIntervalMs: subscribe?.auto_commit_interval_ms ?? DEFAULT_AUTO_COMMIT_INTERVAL_MS,
      },
    );
    return this.consumer;
  }

  private async subscribe(message: FromSchema<typeof SubscribeMessage>): Promise<void> {
    if (this.consumer) throw alreadyConsuming();
    const consumer = this.startConsumer(message);
    try {
      await consumer.subscribe(message.group, message.topics, {
        clientId: 'websocket',
        assignor: message.assignor,
        sessionTimeoutMs: message.session_timeout_ms,
        groupInstanceId: message.group_instance_id,
        initialRebalanceDelayMs: message.initial_rebalance_delay_ms,
      });
    } catch (error) {
      this.consumer = undefined;
      await consumer.close();
      throw error;
    }
  }

  private async assign(message: FromSchema<typeof AssignMessage>): Promise<void> {
    const partitions = message.partitions.map((p) => {
      if (typeof p.offset === 'string' && p.offset !== 'earliest' && p.offset !== 'latest') {
        throw new GatewayError(ErrorCode.UNPROCESSABLE, `offset must be a number, "earliest" or "latest", got '${bounded(p.offset, 64)}'.`);
      }
      return { topic: p.topic, partition: p.partition, offset: p.offset as StartOffset | undefined };
    });
    if (this.consumer?.isGroupMember) throw subscriptionExclusive();
    const consumer = this.consumer ?? this.startConsumer(message);
    try {
      await consumer.assign(partitions);
    } catch (error) {
      // A first assign that failed leaves the socket as it was: not consuming.
      if (consumer.delivery.assigned().length === 0 && this.consumer === consumer) {
        this.consumer = undefined;
        await consumer.close();
      }
      throw error;
    }
  }

  private async commit(message: FromSchema<typeof CommitMessage>): Promise<void> {
    const committed = await this.consuming().commit(message.offsets);
    this.send({ type: 'committed', ...(message.id === undefined ? {} : { id: message.id }), offsets: committed });
  }

  private seek(message: FromSchema<typeof SeekMessage>): Promise<void> {
    const target: StartOffset | { timestamp: number } | undefined =
      message.position === 'beginning'
        ? 'earliest'
        : message.position === 'end'
          ? 'latest'
          : message.timestamp !== undefined
            ? { timestamp: message.timestamp }
            : message.offset;
    if (target === undefined) throw new GatewayError(ErrorCode.UNPROCESSABLE, 'seek needs an offset, a position (beginning or end) or a timestamp.');
    return this.consuming().seek({ topic: message.topic, partition: message.partition }, target);
  }

  private async produce(message: FromSchema<typeof ProduceMessage>): Promise<void> {
    const format = message.format ?? 'json';
    const records = message.records.map((r, i) => ({
      key: toBytes(r.key, format, `records[${i}].key`),
      value: toBytes(r.value, format, `records[${i}].value`),
      partition: r.partition,
      timestamp: r.timestamp,
      headers: (r.headers ?? []).map((h) => ({
        name: h.name,
        value: h.value == null ? null : toBytes(h.value, 'binary', `records[${i}] header '${bounded(h.name, 64)}'`),
      })),
    }));
    const produced = await this.services.produce.produce(message.topic, records);
    this.send({
      type: 'produced',
      ...(message.id === undefined ? {} : { id: message.id }),
      topic: message.topic,
      results: produced.map((p) => ({ partition: p.partition, offset: p.offset, timestamp: p.timestamp })),
    });
  }

  /** The socket closed: the consumer disconnects (a static member keeps its place for its session timeout; others leave). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.close();
    this.flushRecords();
    try {
      await this.consumer?.close([...this.undelivered.values()]);
    } catch (error) {
      this.log.warn({ err: error }, 'closing a websocket session failed');
    }
  }
}

function parseMessage(text: string): ClientMessage {
  let message: unknown;
  try {
    message = parseJson(text);
  } catch (error) {
    throw new GatewayError(ErrorCode.BAD_REQUEST, `Malformed JSON message: ${(error as Error).message}`);
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new GatewayError(ErrorCode.BAD_REQUEST, 'A message must be a JSON object with a "type".');
  }
  const type = (message as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(validators, type)) {
    throw new GatewayError(
      ErrorCode.BAD_REQUEST,
      `Unknown message type ${bounded(JSON.stringify(type) ?? 'undefined', 64)}; expected one of ${Object.keys(validators).join(', ')}.`,
    );
  }
  const validate = validators[type as keyof typeof CLIENT_MESSAGES];
  if (!validate(message)) {
    const problem = validate.errors?.[0];
    throw new GatewayError(ErrorCode.UNPROCESSABLE, `Invalid ${type} message: ${problem?.instancePath || '/'} ${problem?.message ?? 'is invalid'}.`);
  }
  return message as ClientMessage;
}

const MAX_ERROR_MESSAGE = 512;

/** Text quoted back to a client is cut short: an error never echoes unbounded input. */
function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** A request id is echoed only when it is a short string or a number. */
function boundedId(id: unknown): unknown {
  return typeof id === 'string' ? bounded(id, 128) : id;
}

/**
 * Invalid requests of one socket, as a leaky bucket draining at REPLY_RATE per second: errors are
 * answered while the bucket holds at most REPLY_BURST, dropped beyond that, and the socket is
 * closed when it overflows CLOSE_AT — a client that floods invalid messages gets a few answers,
 * then silence, then disconnected, and never makes the gateway queue without bound.
 */
class InvalidMessages {
  static readonly REPLY_RATE = 10;
  static readonly REPLY_BURST = 20;
  static readonly CLOSE_AT = 100;
  private level = 0;
  private at = 0;

  hit(now: number): 'reply' | 'drop' | 'close' {
    this.level = Math.max(0, this.level - ((now - this.at) / 1000) * InvalidMessages.REPLY_RATE) + 1;
    this.at = now;
    if (this.level > InvalidMessages.CLOSE_AT) return 'close';
    return this.level > InvalidMessages.REPLY_BURST ? 'drop' : 'reply';
  }
}

/**
 * The `records` messages of the runs delivered since the last flush. Runs of one partition that
 * other consumers share — every socket tailing a partition gets the same runs of the same batches — go out chunk by chunk, each
 * whole chunk a frame built once and shared by all those sockets (pieces of chunks are joined
 * into messages of this socket's own, in order). Runs of several partitions are joined into one
 * message for this socket alone: one frame instead of one per partition.
 */
function recordsMessages(runs: readonly DeliveredRun[]): Array<Buffer | string> {
  const partition = runs[0].batch;
  // A partition this socket reads alone gains nothing from shared frames: one message is cheaper for both ends.
  if (runs.some((run) => !run.batch.shared || run.batch.topicId !== partition.topicId || run.batch.partition !== partition.partition)) {
    return [recordsMessageJson(runs.flatMap((run) => run.rendering.json.slice(run.start, run.end)))];
  }
  const messages: Array<Buffer | string> = [];
  let pieces: string[] = [];
  for (const { batch, start, end, rendering, format } of runs) {
    for (let from = start; from < end;) {
      const chunkEnd = rendering.chunkEnd[from];
      const to = Math.min(chunkEnd, end);
      if (to === chunkEnd && (from === 0 || rendering.chunkEnd[from - 1] === from)) {
        if (pieces.length > 0) messages.push(recordsMessageJson(pieces));
        pieces = [];
        const chunk = from;
        messages.push(batch.chunkFrame(format, chunk, () => recordsMessageJson(rendering.json.slice(chunk, to))));
      } else {
        for (let i = from; i < to; i++) pieces.push(rendering.json[i]);
      }
      from = to;
    }
  }
  if (pieces.length > 0) messages.push(recordsMessageJson(pieces));
  return messages;
}

/** The WebSocket `records` message, from records already rendered as JSON text. */
function recordsMessageJson(records: readonly string[]): string {
  // One join, the envelope included: a single flat string, where appending record by record (or
  // wrapping the join) leaves a chain of partial strings the socket must copy flat before writing.
  const parts = new Array<string>(records.length + 2);
  parts[0] = '{"type":"records","records":[';
  for (let i = 0; i < records.length; i++) parts[i + 1] = i === 0 ? records[i] : `,${records[i]}`;
  parts[records.length + 1] = ']}';
  return parts.join('');
}
