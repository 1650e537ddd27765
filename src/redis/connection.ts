import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.js';

/** What a connection reports its trouble to (the gateway's pino logger, or a test's). */
export interface ConnectionLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/** A connection to a single Redis node or to a Redis Cluster; both speak the same commands. */
export type RedisConnection = Redis | Cluster;

/**
 * Connection options that fail fast: with no offline queue a command issued while Redis is
 * unreachable is rejected at once (the route answers a retriable 503), and the client keeps
 * reconnecting in the background so the gateway recovers by itself when Redis returns.
 *
 * A command is sent once. ioredis would resend the commands a dropped connection left unanswered
 * when it next reconnects — however much later that is, after their requests were answered with a
 * 503, and a second time when Redis had applied them before the connection dropped: an append
 * stored twice. Without the resend such a command fails (at its command timeout) and the request
 * is told its outcome is unknown, as a Kafka producer without idempotence is.
 */
function failFastOptions(config: Pick<Config, 'redisCommandTimeoutMs'>): RedisOptions {
  return {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    commandTimeout: config.redisCommandTimeoutMs,
    connectTimeout: Math.max(1000, config.redisCommandTimeoutMs),
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
    lazyConnect: true,
    // No auto-pipelining: ioredis keeps one auto-pipeline in flight per node, and a command in it
    // resolves only when the whole pipeline has. Partition reads then queue behind each other and
    // keep their replies alive until the slowest one arrives. Without it, at saturation the
    // WebSocket benchmark delivered 5–25% more (three alternating pairs), and half as many bytes
    // survived each scavenge (2.5 against 5.8 MB). Produce appends were already sent outside it.
    enableAutoPipelining: false,
  };
}

export function createRedisConnection(
  config: Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'redisCommandTimeoutMs'>,
  connectionName = 'streamgate',
): RedisConnection {
  const options = { ...failFastOptions(config), connectionName };
  if (config.redisClusterNodes) {
    const nodes = config.redisClusterNodes.map((node) => {
      const [host, port] = node.split(':');
      return { host, port: Number(port) };
    });
    return new Cluster(nodes, {
      enableOfflineQueue: false,
      enableAutoPipelining: false,
      // Not sent again on another connection when a node's connection drops under it, for the same
      // reason as above (MOVED, ASK, TRYAGAIN and CLUSTERDOWN replies, which mean the command did
      // not run, are still followed).
      retryDelayOnFailover: 0,
      redisOptions: options,
      clusterRetryStrategy: (attempt) => Math.min(50 * attempt, 1000),
      lazyConnect: true,
    });
  }
  if (!config.redisUrl) throw new Error('createRedisConnection needs REDIS_URL or REDIS_CLUSTER_NODES');
  return new Redis(config.redisUrl, options);
}

/**
 * Logs a connection's trouble without flooding the log: the first error after it was ready (its
 * later reconnection attempts stay quiet) and its return. Failed commands meanwhile surface as
 * retriable 503s on the requests that sent them.
 */
export function logConnection(connection: RedisConnection, name: string, log: ConnectionLog): void {
  let healthy = true;
  connection.on('error', (error: Error) => {
    if (!healthy) return;
    healthy = false;
    log.warn({ connection: name, err: error }, 'Redis connection failed; reconnecting in the background');
  });
  connection.on('ready', () => {
    if (healthy) return;
    healthy = true;
    log.info({ connection: name }, 'Redis connection is back');
  });
}

/** A connection of the gateway's: created, logged (see logConnection) and connected. */
export async function openRedis(
  config: Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'redisCommandTimeoutMs'>,
  name: string,
  log: ConnectionLog,
): Promise<RedisConnection> {
  const connection = createRedisConnection(config, name);
  logConnection(connection, name, log);
  try {
    await connectRedis(connection);
  } catch (error) {
    connection.disconnect();
    throw error;
  }
  return connection;
}

/** Connects, waiting for the first connection (later drops are handled by reconnecting). */
export async function connectRedis(connection: RedisConnection): Promise<void> {
  if (connection.status === 'ready') return;
  await connection.connect();
}

/**
 * A dedicated connection subscribed to one channel (a subscribed connection can run no other
 * command). It reconnects and resubscribes by itself; `onMessage` gets every message.
 */
export async function subscribeChannel(
  connection: RedisConnection,
  channel: string,
  onMessage: (message: string) => void,
  log?: ConnectionLog,
): Promise<RedisConnection> {
  const subscriber = connection.duplicate();
  if (log) logConnection(subscriber, `subscriber ${channel}`, log);
  else subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, message: string) => onMessage(message));
  try {
    await connectRedis(subscriber);
    await subscriber.subscribe(channel);
  } catch (error) {
    subscriber.disconnect();
    throw error;
  }
  return subscriber;
}

/**
 * The listeners of one pub/sub channel, served by one subscribed connection that the first listen
 * opens (listens that arrive while it is opening wait for the same one). `parse` turns a message
 * into what the listeners get — none, one or several items.
 */
export class ChannelListeners<T> {
  private readonly listeners = new Set<(item: T) => void>();
  private subscriber: Promise<RedisConnection> | undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly channel: string,
    private readonly parse: (message: string) => Iterable<T>,
    private readonly log?: ConnectionLog,
  ) {}

  /** Adds `listener`, subscribing first if nobody listens yet; returns its removal. */
  async listen(listener: (item: T) => void): Promise<() => void> {
    this.listeners.add(listener);
    if (!this.subscriber) {
      const opening = subscribeChannel(
        this.redis,
        this.channel,
        (message) => {
          for (const item of this.parse(message)) for (const each of this.listeners) each(item);
        },
        this.log,
      );
      this.subscriber = opening;
      // A failed subscription is tried again by the next listen.
      opening.catch(() => {
        if (this.subscriber === opening) this.subscriber = undefined;
      });
    }
    await this.subscriber;
    return () => this.listeners.delete(listener);
  }

  /** Disconnects the subscribed connection (once it is open, if it is still opening). */
  close(): void {
    this.subscriber?.then(
      (subscriber) => subscriber.disconnect(),
      () => undefined,
    );
  }
}
