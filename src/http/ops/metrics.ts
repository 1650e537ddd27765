import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus `/metrics`: process metrics and HTTP request counts and durations by route (hooks on every route). */
export const metricsRoutes = fp(async (app: FastifyInstance): Promise<void> => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'streamgate_' });
  const requests = new Counter({
    name: 'streamgate_http_requests_total',
    help: 'HTTP requests by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'streamgate_http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  // The labelled series of each route, looked up once: prom-client hashes a label set on every
  // call, which costs more than the rest of this hook on a busy route.
  type Series = { requests: ReturnType<typeof requests.labels>; durations: ReturnType<typeof durations.labels> };
  const series = new Map<string, Series>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const key = `${request.method} ${status} ${route}`;
    let labelled = series.get(key);
    if (!labelled) {
      labelled = { requests: requests.labels(request.method, route, String(status)), durations: durations.labels(request.method, route) };
      series.set(key, labelled);
    }
    labelled.requests.inc();
    labelled.durations.observe(reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics', produces: ['text/plain'], response: { 200: { type: 'string' } } } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
});
