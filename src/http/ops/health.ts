import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../../schemas/common/error.js';

const Status = {
  type: 'object',
  properties: { status: { type: 'string' }, store: { type: 'string' }, durable: { type: 'boolean' } },
} as const;

/** Liveness (`/health`: the process answers) and readiness (`/ready`: the store answers too). */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const { store } = app.services;
  app.get('/health', { schema: { tags: ['ops'], summary: 'Liveness', response: { 200: Status } } }, async () => ({
    status: 'UP',
    store: store.kind,
    durable: store.durable,
  }));

  app.get('/ready', { schema: { tags: ['ops'], summary: 'Readiness: the store is reachable', response: { 200: Status, ...errorResponses } } }, async () => {
    await store.ping();
    return { status: 'READY', store: store.kind, durable: store.durable };
  });
}
