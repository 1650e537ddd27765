import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../../schemas/common/error.js';
import { isDurable } from '../../log/durability.js';
import type { LogStore } from '../../log/store.js';

const setting = { type: ['string', 'null'] } as const;

const Status = {
  type: 'object',
  required: ['status', 'store', 'durable', 'durability'],
  properties: {
    status: { type: 'string' },
    store: { type: 'string', enum: ['redis', 'memory'] },
    durable: {
      type: 'boolean',
      description:
        'True only when no acknowledged record can be lost to a crash or a power loss of the Redis host: an append-only file fsynced on every write (mode aof-always).',
    },
    durability: {
      type: 'object',
      description: "The store's persistence as read from Redis (`CONFIG GET appendonly appendfsync save`; on a Redis Cluster the weakest primary's).",
      required: ['mode', 'appendonly', 'appendfsync', 'save'],
      properties: {
        mode: {
          type: 'string',
          enum: ['aof-always', 'aof-everysec', 'aof-no', 'rdb-snapshots', 'unknown', 'none'],
          description:
            'aof-always: fsync before every answer. aof-everysec: a power loss of the Redis host loses up to ~1 s of acknowledged records. ' +
            'aof-no: the OS flushes (~30 s). rdb-snapshots: a Redis restart loses everything since the last snapshot. ' +
            'none: nothing survives a Redis restart. unknown: Redis would not say (CONFIG unavailable).',
        },
        appendonly: setting,
        appendfsync: setting,
        save: setting,
      },
    },
  },
} as const;

const report = (store: LogStore) => ({ store: store.kind, durable: isDurable(store.durability), durability: store.durability });

/**
 * Liveness (`/health`: the process answers; persistence as last read) and readiness (`/ready`:
 * the store answers and still holds its data; persistence read again when older than 2 s).
 */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const { store } = app.services;
  app.get('/health', { schema: { tags: ['ops'], summary: 'Liveness', response: { 200: Status } } }, async () => ({ status: 'UP', ...report(store) }));

  app.get(
    '/ready',
    { schema: { tags: ['ops'], summary: 'Readiness: the store is reachable and holds its data', response: { 200: Status, ...errorResponses } } },
    async () => {
      await store.ping();
      return { status: 'READY', ...report(store) };
    },
  );
}
