import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { ErrorCode, GatewayError } from '../errors.js';
import type { Services } from '../services.js';
import { toBytes, type EmbeddedFormat } from '../records/embedded-format.js';
import { toErrorBody } from '../http/error-handler.js';
import { parseJson } from '../json-text.js';
import { CLIENT_MESSAGES } from '../../schemas/ws/messages.js';
import { decodeRecord, isSchemaFormat, type RecordFormat } from '../fetch/schema-decoding.js';
import { PartitionDelivery, type DeliveredRecord, type RecordWaiter, type StartOffset, type TopicPartition } from './delivery.js';
import { recordsMessageJson } from './record-json.js';

/** Bytes queued on one socket above which delivery waits: the bound on what a slow client costs. */
export const MAX_SOCKET_BACKLOG_BYTES = 1024 * 1024;
/** Records a client receives before it must grant more with a `credit` message, unless it asks otherwise. */
export const DEFAULT_CREDIT = 1000;
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

const ajv = new Ajv({ allErrors: false, strict: false });
const validators = Object.fromEntries(Object.entries(CLIENT_MESSAGES).map(([type, schema]) => [type, ajv.compile(schema)])) as Record<
  keyof typeof CLIENT_MESSAGES,
  ValidateFunction
>;

type ClientMessage = { type: keyof typeof CLIENT_MESSAGES } & Record<string, unknown>;

/** What a group membership adds to a socket; provided by the consumer-group module. */
export interface GroupBinding {
  /** Commits offsets for partitions this member owns (all delivered positions when `offsets` is absent). */
  commit(offsets?: Array<TopicPartition & { offset: number; metadata?: string }>): Promise<Array<TopicPartition & { offset: number }>>;
  close(): Promise<void>;
}

export type GroupJoiner = (session: SocketSession, message: ClientMessage) => Promise<GroupBinding>;

/**
 * One WebSocket: a consumer (a group member, or a reader of chosen partitions) that can also
 * produce. Every client message is validated; a bad one gets an `error` message and the
 * connection stays open.
 */
export class SocketSession {
  delivery: PartitionDelivery | undefined;
  private group: GroupBinding | undefined;
  private backlog = 0;
  private pendingRecords: DeliveredRecord[] = [];
  /** Assignments under way: records wait until their `assigned` message has gone out. */
  private assigning = 0;
  private closed = false;

  constructor(
    readonly socket: WebSocket,
    readonly services: Services,
    readonly waiter: RecordWaiter,
    private readonly log: FastifyBaseLogger,
    private readonly joinGroup?: GroupJoiner,
  ) {
    socket.on('message', (data, isBinary) => void this.receive(data as Buffer, isBinary));
    socket.on('close', () => void this.close());
    socket.on('error', () => void this.close());
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
  private sendRecords(batch: DeliveredRecord[]): void {
    if (this.pendingRecords.length === 0) setImmediate(() => this.flushRecords());
    for (const record of batch) this.pendingRecords.push(record);
  }

  /**
   * Runs an assignment and sends the `assigned` message it returns ahead of every record of the
   * partitions it started: a partition's loop starts delivering as soon as it is assigned, while
   * the next partition's start offset is still being looked up.
   */
  async announceAssignment(assign: () => Promise<object>): Promise<void> {
    this.assigning++;
    try {
      this.write(await assign());
    } finally {
      this.assigning--;
      this.flushRecords();
    }
  }

  private flushRecords(): void {
    if (this.assigning > 0 || this.pendingRecords.length === 0) return;
    const records = this.pendingRecords;
    this.pendingRecords = [];
    this.write(recordsMessageJson(records));
  }

  /** Records count against the socket backlog until the socket has flushed them. */
  private write(message: object | string): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    // The callback keeps only the length: ws frames a Buffer copy of the text, and holding the
    // text too until the kernel takes the frame would keep it alive through garbage collections.
    const length = text.length;
    this.backlog += length;
    this.socket.send(text, () => {
      this.backlog -= length;
      if (this.backlog <= MAX_SOCKET_BACKLOG_BYTES) this.delivery?.drained();
    });
  }

  sendError(error: unknown, id?: unknown): void {
    const { body, unexpected } = toErrorBody(error);
    if (unexpected) this.log.error({ err: error }, 'websocket request failed');
    this.send({ type: 'error', ...(id === undefined ? {} : { id }), ...body });
  }

  /** Creates the partition delivery of this socket (once: a socket is one consumer). */
  startDelivery(format: RecordFormat, credit: number | undefined, options: { offsetReset?: 'earliest' | 'latest' | 'none'; beforeSend?: (tp: TopicPartition, next: number) => Promise<void> } = {}): PartitionDelivery {
    if (this.delivery) throw new GatewayError(ErrorCode.CONFLICT, 'This socket is already consuming; open another socket for another subscription.');
    this.delivery = new PartitionDelivery(
      this.services.fetch,
      this.waiter,
      {
        send: (batch: DeliveredRecord[]) => this.sendRecords(batch),
        backlogBytes: () => this.backlog,
      },
      {
        credit: credit ?? DEFAULT_CREDIT,
        maxBacklogBytes: MAX_SOCKET_BACKLOG_BYTES,
        offsetReset: options.offsetReset ?? 'earliest',
        format: isSchemaFormat(format) ? 'binary' : format,
        decode: isSchemaFormat(format) ? (record) => decodeRecord(record, format, this.services.registry) : undefined,
        beforeSend: options.beforeSend,
        onError: (tp, error) => this.sendError(error, undefined),
      },
    );
    return this.delivery;
  }

  /** Undoes startDelivery (a subscription that failed to join). */
  async stopDelivery(): Promise<void> {
    await this.delivery?.close();
    this.delivery = undefined;
  }

  private async receive(data: Buffer, isBinary: boolean): Promise<void> {
    let message: ClientMessage;
    try {
      if (isBinary) throw new GatewayError(ErrorCode.BAD_REQUEST, 'Messages must be JSON text frames.');
      if (data.length > MAX_MESSAGE_BYTES) throw new GatewayError(ErrorCode.PAYLOAD_TOO_LARGE, `A message may be at most ${MAX_MESSAGE_BYTES} bytes.`);
      message = parseMessage(data.toString('utf8'));
    } catch (error) {
      return this.sendError(error);
    }
    try {
      await this.dispatch(message);
    } catch (error) {
      this.sendError(error, message.id);
    }
  }

  private async dispatch(message: ClientMessage): Promise<void> {
    switch (message.type) {
      case 'assign':
        return this.assign(message);
      case 'subscribe':
        if (!this.joinGroup) throw new GatewayError(ErrorCode.BAD_REQUEST, 'Consumer groups are not available on this gateway.');
        if (this.group || this.delivery) throw new GatewayError(ErrorCode.CONFLICT, 'This socket is already consuming; open another socket for another subscription.');
        this.group = await this.joinGroup(this, message);
        return;
      case 'credit':
        return this.consuming().addCredit(message.records as number);
      case 'commit': {
        if (!this.group) throw new GatewayError(ErrorCode.BAD_REQUEST, 'Only a consumer group member commits offsets; this socket has not subscribed to a group.');
        const committed = await this.group.commit(message.offsets as Array<TopicPartition & { offset: number }> | undefined);
        return this.send({ type: 'committed', ...(message.id === undefined ? {} : { id: message.id }), offsets: committed });
      }
      case 'seek': {
        const tp = { topic: message.topic as string, partition: message.partition as number };
        const target: StartOffset | { timestamp: number } =
          message.position === 'beginning' ? 'earliest' : message.position === 'end' ? 'latest' : message.timestamp !== undefined ? { timestamp: message.timestamp as number } : (message.offset as number);
        if (target === undefined) throw new GatewayError(ErrorCode.UNPROCESSABLE, 'seek needs an offset, a position (beginning or end) or a timestamp.');
        return this.consuming().seek(tp, target);
      }
      case 'pause':
      case 'resume':
        return this.consuming().setPaused(message.partitions as TopicPartition[] | undefined, message.type === 'pause');
      case 'produce':
        return this.produce(message);
    }
  }

  private consuming(): PartitionDelivery {
    if (!this.delivery) throw new GatewayError(ErrorCode.BAD_REQUEST, 'This socket is not consuming yet: send subscribe or assign first.');
    return this.delivery;
  }

  private async assign(message: ClientMessage): Promise<void> {
    if (this.group) throw new GatewayError(ErrorCode.CONFLICT, 'A group member cannot also assign partitions by hand.');
    const partitions = message.partitions as Array<TopicPartition & { offset?: number | string }>;
    for (const p of partitions) {
      if (typeof p.offset === 'string' && p.offset !== 'earliest' && p.offset !== 'latest') {
        throw new GatewayError(ErrorCode.UNPROCESSABLE, `offset must be a number, "earliest" or "latest", got '${p.offset}'.`);
      }
      const topic = await this.services.topics.lookup(p.topic);
      this.services.topics.assertPartition(topic, p.partition);
    }
    const delivery = this.delivery ?? this.startDelivery((message.format as RecordFormat | undefined) ?? 'json', message.credit as number | undefined);
    for (const p of partitions) {
      const start = (p.offset ?? 'earliest') as StartOffset;
      if (typeof start === 'number') {
        const { logStartOffset, nextOffset } = await this.services.fetch.offsets(p.topic, p.partition);
        if (start < logStartOffset || start > nextOffset) {
          throw new GatewayError(ErrorCode.OFFSET_OUT_OF_RANGE, `Offset ${start} is out of range for partition ${p.partition} of topic '${p.topic}' (log holds ${logStartOffset} to ${nextOffset - 1}).`);
        }
      }
    }
    await this.announceAssignment(async () => {
      // Each start offset as resolved: a partition started earlier may have delivered meanwhile.
      const started: Array<TopicPartition & { offset: number }> = [];
      for (const { topic, partition, offset } of partitions) {
        const from = await delivery.assign({ topic, partition }, (offset ?? 'earliest') as StartOffset);
        if (from !== undefined) started.push({ topic, partition, offset: from });
      }
      return { type: 'assigned', partitions: started };
    });
  }

  private async produce(message: ClientMessage): Promise<void> {
    const format = (message.format as EmbeddedFormat | undefined) ?? 'json';
    const records = (message.records as Array<{ key?: unknown; value?: unknown; partition?: number; timestamp?: number; headers?: Array<{ name: string; value?: string | null }> }>).map((r, i) => ({
      key: toBytes(r.key, format, `records[${i}].key`),
      value: toBytes(r.value, format, `records[${i}].value`),
      partition: r.partition,
      timestamp: r.timestamp,
      headers: (r.headers ?? []).map((h) => ({ name: h.name, value: h.value == null ? null : toBytes(h.value, 'binary', `records[${i}] header '${h.name}'`) })),
    }));
    const produced = await this.services.produce.produce(message.topic as string, records);
    this.send({ type: 'produced', ...(message.id === undefined ? {} : { id: message.id }), topic: message.topic, results: produced.map((p) => ({ partition: p.partition, offset: p.offset, timestamp: p.timestamp })) });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // The group goes first: an auto-committing member commits what it delivered before it leaves.
      await this.group?.close();
      await this.delivery?.close();
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
    throw new GatewayError(ErrorCode.BAD_REQUEST, `Unknown message type ${JSON.stringify(type)}; expected one of ${Object.keys(validators).join(', ')}.`);
  }
  const validate = validators[type as keyof typeof CLIENT_MESSAGES];
  if (!validate(message)) {
    const problem = validate.errors?.[0];
    throw new GatewayError(ErrorCode.UNPROCESSABLE, `Invalid ${type} message: ${problem?.instancePath || '/'} ${problem?.message ?? 'is invalid'}.`);
  }
  return message as ClientMessage;
}
