import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerLogMetrics } from './log-metrics.js';

/**
 * Prometheus `/metrics`: process metrics, HTTP request durations (and counts) by route and status
 * (hooks on every route), and what the log holds (log-metrics.ts).
 */
export const metricsRoutes = fp(async (app: FastifyInstance): Promise<void> => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'streamgate_' });
  // One histogram, labelled with the status too: its `_count` series are the request counts, so
  // a request costs one prom-client update (each hashes and validates its label set).
  const durations = new Histogram({
    name: 'streamgate_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status code; its _count is the number of requests',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const { outbound } = app.services;
  new Gauge({
    name: 'streamgate_client_queued_bytes',
    help: 'Bytes queued to WebSocket and SSE clients and not yet flushed (bounded by CLIENT_QUEUE_TOTAL_BYTES)',
    registers: [registry],
    collect() {
      this.set(outbound.queuedBytes());
    },
  });
  new Gauge({
    name: 'streamgate_client_connections',
    help: 'Open WebSocket and SSE consumer connections',
    registers: [registry],
    collect() {
      this.set(outbound.clients());
    },
  });
  new Counter({
    name: 'streamgate_client_stalled_total',
    help: 'Clients disconnected because they took none of their queued bytes for CLIENT_STALL_TIMEOUT_MS',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(outbound.stalledClosed);
    },
  });

  const readLog = registerLogMetrics(registry, app.services, app.log);

  // The labelled series of each route and status, looked up once.
  const series = new Map<string, ReturnType<typeof durations.labels>>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const key = `${request.method} ${status} ${route}`;
    let labelled = series.get(key);
    if (!labelled) {
      labelled = durations.labels(request.method, route, String(status));
      series.set(key, labelled);
    }
    labelled.observe(reply.elapsedTime / 1000);
    done();
  });

  app.get(
    '/metrics',
    { schema: { tags: ['ops'], summary: 'Prometheus metrics', produces: ['text/plain'], response: { 200: { type: 'string' } } } },
    async (_request, reply) => {
      reply.type(registry.contentType);
      await readLog();
      return registry.metrics();
    },
  );
});
