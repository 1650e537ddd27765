/** Configuration from environment variables, validated once at start-up into one typed object. */
export interface Config {
  port: number;
  host: string;
  /** Absent: the in-memory store (nothing durable). */
  redisUrl: string | undefined;
  /** Comma-separated host:port seeds: run against a Redis Cluster instead of `redisUrl`. */
  redisClusterNodes: string[] | undefined;
  keyPrefix: string;
  /** How long a Redis command may take before the request fails with a retriable 503. */
  redisCommandTimeoutMs: number;
  /**
   * Start on a Redis that keeps no append-only file (or whose persistence cannot be read):
   * acknowledged records are then lost when Redis restarts. Off by default.
   */
  allowNonDurableRedis: boolean;
  defaultPartitions: number;
  defaultReplicationFactor: number;
  defaultRetentionMs: number;
  defaultRetentionBytes: number;
  /** Largest record (its size in Kafka's record format) a topic accepts unless its `max.message.bytes` says otherwise. */
  maxMessageBytes: number;
  /** Most headers one record may carry. */
  maxHeadersPerRecord: number;
  /** Largest HTTP request body. */
  bodyLimitBytes: number;
  /** Most records in one produce request. */
  maxBatchRecords: number;
  logLevel: string;
  /** A v2 consumer instance unused this long is closed and leaves its group (Confluent's consumer.instance.timeout.ms). */
  consumerInstanceTimeoutMs: number;
  /**
   * The group session of a subscribed v2 instance's member: when the gateway driving it dies, the
   * instance's partitions resume on another gateway within about this long.
   */
  consumerInstanceSessionTimeoutMs: number;
  /** Bytes queued to all WebSocket and SSE clients together; each client's share is this divided among them. */
  clientQueueTotalBytes: number;
  /** Bytes queued to one WebSocket or SSE client at most. */
  clientQueueBytes: number;
  /** A client that takes none of its queued bytes for this long is disconnected. */
  clientStallTimeoutMs: number;
  /**
   * Kafka's `group.initial.rebalance.delay.ms` for groups whose first member does not choose one:
   * how long the first assignment of a group that was empty waits for more members to join.
   */
  groupInitialRebalanceDelayMs: number;
  /** Kafka's `log.cleaner.backoff.ms`: how often compacted partitions are looked at for compaction; 0 turns background compaction off. */
  logCleanerBackoffMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got '${raw}'`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false, got '${raw}'`);
  return raw === 'true';
}

function oneOf(env: Env, name: string, fallback: string, allowed: readonly string[]): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return raw;
}

function redisUrl(env: Env): string | undefined {
  const raw = env.REDIS_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`REDIS_URL must be a URL such as redis://127.0.0.1:6379, got '${raw}'`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must use redis:// or rediss://, got '${url.protocol}'`);
  }
  return raw;
}

function clusterNodes(env: Env): string[] | undefined {
  const raw = env.REDIS_CLUSTER_NODES;
  if (raw === undefined || raw.trim() === '') return undefined;
  const nodes = raw.split(',').map((node) => node.trim());
  for (const node of nodes) {
    if (!/^[^\s:]+:\d{1,5}$/.test(node)) {
      throw new ConfigError(`REDIS_CLUSTER_NODES must be host:port[,host:port…], got '${node}'`);
    }
  }
  return nodes;
}

export function loadConfig(env: Env = process.env): Config {
  const keyPrefix = env.KEY_PREFIX ?? 'sg';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(keyPrefix)) {
    throw new ConfigError(`KEY_PREFIX must be 1-64 characters of [A-Za-z0-9_.:-], got '${keyPrefix}'`);
  }
  return {
    port: integer(env, 'PORT', 8082, 0, 65535),
    host: env.HOST && env.HOST !== '' ? env.HOST : '0.0.0.0',
    redisUrl: redisUrl(env),
    redisClusterNodes: clusterNodes(env),
    keyPrefix,
    redisCommandTimeoutMs: integer(env, 'REDIS_COMMAND_TIMEOUT_MS', 2000, 50, 60_000),
    allowNonDurableRedis: boolean(env, 'ALLOW_NON_DURABLE_REDIS', false),
    defaultPartitions: integer(env, 'DEFAULT_PARTITIONS', 1, 1, 10_000),
    defaultReplicationFactor: integer(env, 'DEFAULT_REPLICATION_FACTOR', 1, 1, 32),
    defaultRetentionMs: integer(env, 'DEFAULT_RETENTION_MS', 604_800_000, -1),
    defaultRetentionBytes: integer(env, 'DEFAULT_RETENTION_BYTES', -1, -1),
    maxMessageBytes: integer(env, 'MAX_MESSAGE_BYTES', 1_048_588, 1, 100 * 1024 * 1024),
    maxHeadersPerRecord: integer(env, 'MAX_HEADERS_PER_RECORD', 1000, 0, 100_000),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxBatchRecords: integer(env, 'MAX_BATCH_RECORDS', 10_000, 1, 1_000_000),
    consumerInstanceTimeoutMs: integer(env, 'CONSUMER_INSTANCE_TIMEOUT_MS', 300_000, 100, 86_400_000),
    consumerInstanceSessionTimeoutMs: integer(env, 'CONSUMER_INSTANCE_SESSION_TIMEOUT_MS', 10_000, 300, 300_000),
    clientQueueTotalBytes: integer(env, 'CLIENT_QUEUE_TOTAL_BYTES', 256 * 1024 * 1024, 64 * 1024, 64 * 1024 * 1024 * 1024),
    clientQueueBytes: integer(env, 'CLIENT_QUEUE_BYTES', 1024 * 1024, 16 * 1024, 1024 * 1024 * 1024),
    clientStallTimeoutMs: integer(env, 'CLIENT_STALL_TIMEOUT_MS', 30_000, 100, 86_400_000),
    groupInitialRebalanceDelayMs: integer(env, 'GROUP_INITIAL_REBALANCE_DELAY_MS', 3000, 0, 300_000),
    logCleanerBackoffMs: integer(env, 'LOG_CLEANER_BACKOFF_MS', 5000, 0, 3_600_000),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  };
}
