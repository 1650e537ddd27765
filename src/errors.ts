/**
 * The one error type of the gateway. Services throw it with a Confluent error code; the
 * HTTP error handler turns it into `{"error_code", "message"}` with the status the code implies
 * (Confluent's convention: the first three digits of the error code are the HTTP status).
 */
export class GatewayError extends Error {
  readonly errorCode: number;
  readonly status: number;
  readonly retriable: boolean;

  constructor(errorCode: number, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'GatewayError';
    this.errorCode = errorCode;
    this.status = statusOf(errorCode);
    this.retriable = options.retriable ?? false;
  }
}

export function statusOf(errorCode: number): number {
  return errorCode >= 10_000 ? Math.floor(errorCode / 100) : errorCode;
}

/** Confluent REST Proxy and Schema Registry error codes used across the gateway. */
export const ErrorCode = {
  BAD_REQUEST: 400,
  INVALID_INPUT: 40002,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  TOPIC_NOT_FOUND: 40401,
  PARTITION_NOT_FOUND: 40402,
  CONSUMER_INSTANCE_NOT_FOUND: 40403,
  CLUSTER_NOT_FOUND: 40404,
  CONSUMER_GROUP_NOT_FOUND: 40405,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  CONSUMER_ALREADY_EXISTS: 40902,
  /** Kafka's FENCED_INSTANCE_ID: a newer member with the same `group.instance.id` took this member's place. */
  FENCED_INSTANCE_ID: 40904,
  /** v2: a consumer that is subscribed cannot also assign partitions by hand, and vice versa. */
  CONSUMER_ALREADY_SUBSCRIBED: 40901,
  /** v2: an operation that needs a subscription or assignment the consumer does not have. */
  ILLEGAL_STATE: 40903,
  /** A commit or seek for a partition the consumer does not hold (Kafka's ILLEGAL_GENERATION / not assigned). */
  NOT_PARTITION_OWNER: 40903,
  TOPIC_ALREADY_EXISTS: 40901,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RECORD_TOO_LARGE: 41301,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Kafka's OFFSET_OUT_OF_RANGE: the offset is below the log start or past the log end. */
  OFFSET_OUT_OF_RANGE: 41601,
  UNPROCESSABLE: 422,
  KEY_SCHEMA_MISSING: 42201,
  VALUE_SCHEMA_MISSING: 42202,
  INVALID_CONSUMER_CONFIG: 42204,
  INVALID_PAYLOAD: 42205,
  NO_OFFSET_FOR_PARTITION: 42206,
  INTERNAL: 500,
  BACKEND_UNAVAILABLE: 50301,
  BACKEND_ERROR: 50002,
} as const;

export const topicNotFound = (topic: string): GatewayError => new GatewayError(ErrorCode.TOPIC_NOT_FOUND, `Topic '${topic}' not found.`);

export const partitionNotFound = (topic: string, partition: number): GatewayError =>
  new GatewayError(ErrorCode.PARTITION_NOT_FOUND, `Partition ${partition} of topic '${topic}' not found.`);

export const recordTooLarge = (index: number, size: number, maxBytes: number, topic: string): GatewayError =>
  new GatewayError(
    ErrorCode.RECORD_TOO_LARGE,
    `Record ${index} is ${size} bytes in Kafka's record format (key, value, headers and their length prefixes), larger than max.message.bytes=${maxBytes} of topic '${topic}'.`,
  );

/** Kafka refuses a record without a key on a compacted topic (InvalidRecordException): nothing of the request is written. */
export const keyRequired = (index: number, topic: string): GatewayError =>
  new GatewayError(
    ErrorCode.INVALID_INPUT,
    `Record ${index} has no key, but topic '${topic}' is compacted (cleanup.policy includes compact) and accepts only records with a key, as Kafka does.`,
  );

/** A latest-value read (the topic as a table) of a topic that keeps no latest record per key. */
export const notCompacted = (topic: string): GatewayError =>
  new GatewayError(
    ErrorCode.INVALID_INPUT,
    `Topic '${topic}' is not compacted: only a topic with cleanup.policy compact (or compact,delete) keeps the latest value of each key.`,
  );

export const keyNotFound = (topic: string, partition: number): GatewayError =>
  new GatewayError(ErrorCode.NOT_FOUND, `The key has no value in partition ${partition} of topic '${topic}' (never written, or deleted by a tombstone).`);

export const tooManyHeaders = (index: number, count: number, limit: number): GatewayError =>
  new GatewayError(ErrorCode.RECORD_TOO_LARGE, `Record ${index} has ${count} headers; a record may have at most ${limit} (MAX_HEADERS_PER_RECORD).`);

export const fencedInstance = (group: string, instanceId: string): GatewayError =>
  new GatewayError(
    ErrorCode.FENCED_INSTANCE_ID,
    `A newer member of consumer group '${group}' joined with instance id '${instanceId}'; this member was fenced and left the group.`,
  );
export const jsonTooDeep = (limit: number): GatewayError =>
  new GatewayError(ErrorCode.BAD_REQUEST, `JSON nested deeper than ${limit} levels of arrays and objects is refused.`);

export const invalidUtf8 = (): GatewayError =>
  new GatewayError(ErrorCode.BAD_REQUEST, 'The body is not valid UTF-8: JSON must be UTF-8 (RFC 8259), and bytes that are not are refused, not replaced.');

export const invalidInput = (message: string): GatewayError => new GatewayError(ErrorCode.INVALID_INPUT, message);

export const backendUnavailable = (detail: string, cause?: unknown): GatewayError =>
  new GatewayError(ErrorCode.BACKEND_UNAVAILABLE, `Storage backend unavailable: ${detail}`, { retriable: true, cause });

/** A commit or seek for a partition the consumer does not hold: one code on every transport. */
export const notAssigned = (tp: { topic: string; partition: number }): GatewayError =>
  new GatewayError(ErrorCode.NOT_PARTITION_OWNER, `Partition ${tp.partition} of topic '${tp.topic}' is not assigned to this consumer.`);

/** Kafka's OFFSET_OUT_OF_RANGE: the offset is below the log start or past the log end. */
export const offsetOutOfRange = (tp: { topic: string; partition: number }, offset: number, log: { logStartOffset: number; nextOffset: number }): GatewayError =>
  new GatewayError(
    ErrorCode.OFFSET_OUT_OF_RANGE,
    `Offset ${offset} is out of range for partition ${tp.partition} of topic '${tp.topic}': ` +
      `the log holds offsets ${log.logStartOffset} to ${log.nextOffset - 1} (next offset ${log.nextOffset}).`,
  );

/** DeleteRecords to an offset the partition cannot move its start to; nothing is deleted. */
export const invalidDeleteOffset = (tp: { topic: string; partition: number }, offset: unknown, nextOffset: number): GatewayError =>
  invalidInput(
    `Cannot delete records of partition ${tp.partition} of topic '${tp.topic}' before offset ${String(offset)}: ` +
      `the offset must be an integer from 0 to the partition's next offset ${nextOffset}.`,
  );

/** A partition to start where there is no valid committed offset, with auto.offset.reset none (Kafka's NoOffsetForPartitionException). */
export const noOffsetForPartition = (tp: { topic: string; partition: number }): GatewayError =>
  new GatewayError(
    ErrorCode.NO_OFFSET_FOR_PARTITION,
    `No valid committed offset for partition ${tp.partition} of topic '${tp.topic}' and auto.offset.reset is none.`,
  );

/** A consumer (a socket, a stream) is one subscription: a second subscribe or assign of another kind is refused. */
export const alreadyConsuming = (): GatewayError =>
  new GatewayError(ErrorCode.CONFLICT, 'This connection is already consuming; open another connection for another subscription.');

export const notConsuming = (): GatewayError =>
  new GatewayError(ErrorCode.BAD_REQUEST, 'This connection is not consuming yet: send subscribe or assign first.');

export const notAGroupMember = (): GatewayError =>
  new GatewayError(ErrorCode.BAD_REQUEST, 'Only a consumer group member commits offsets; this consumer has not subscribed to a group.');

/**
 * A write whose outcome is unknown: the command may have reached Redis before the connection
 * dropped or the command timed out. Retriable, but a client that retries may store it twice.
 */
export const appendOutcomeUnknown = (detail: string, cause?: unknown): GatewayError =>
  new GatewayError(
    ErrorCode.BACKEND_UNAVAILABLE,
    `Storage backend unavailable: ${detail}. The append may or may not have been written: retrying it may store the records twice.`,
    { retriable: true, cause },
  );

/** Redis lost the store's data under a running gateway; serving on would restart offsets at 0. */
export const redisDataLost = (detail: string): GatewayError =>
  new GatewayError(
    ErrorCode.BACKEND_ERROR,
    `Redis lost this store's data (${detail}): it was restarted without its data or flushed. ` +
      "The gateway refuses to serve it rather than restart offsets at 0 or re-create topics. Restore Redis's data and restart the gateway.",
  );

export const consumerInstanceNotFound = (group: string, id: string): GatewayError =>
  new GatewayError(ErrorCode.CONSUMER_INSTANCE_NOT_FOUND, `Consumer instance ${id} not found in group ${group}.`);

export const consumerInstanceExists = (group: string, id: string): GatewayError =>
  new GatewayError(ErrorCode.CONSUMER_ALREADY_EXISTS, `Consumer with specified consumer ID ${id} already exists in group ${group}.`);

/** Kafka's IllegalStateException for a consumer that subscribes after assigning, or the reverse: one code on every transport. */
export const subscriptionExclusive = (): GatewayError =>
  new GatewayError(ErrorCode.CONSUMER_ALREADY_SUBSCRIBED, 'Subscription to topics, partitions and pattern are mutually exclusive.');

export const notSubscribed = (): GatewayError =>
  new GatewayError(ErrorCode.ILLEGAL_STATE, 'Consumer is not subscribed to any topics or assigned any partitions.');
