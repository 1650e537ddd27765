import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import { installErrorHandlers } from './http/error-handler.js';
import { installContentTypes } from './http/content-types.js';
import { installBodyCompression } from './http/body-compression.js';
import { registryRoutes } from './http/registry/index.js';
import { createServices, type Services } from './services.js';
import type { LogStore } from './log/store.js';
import { ErrorBody } from '../schemas/common/error.js';
import { openApiPlugin } from './http/ops/openapi.js';
import { healthRoutes } from './http/ops/health.js';
import { metricsRoutes } from './http/ops/metrics.js';
import { v3TopicRoutes } from './http/v3/topics.js';
import { v3PartitionRoutes } from './http/v3/partitions.js';
import { v3ConfigRoutes } from './http/v3/configs.js';
import { v3RecordRoutes } from './http/v3/records.js';
import { v3TableRoutes } from './http/v3/tables.js';
import { v2TopicRoutes } from './http/v2/topics.js';
import { v3ConsumerGroupRoutes } from './http/v3/consumer-groups.js';
import { v2ConsumerRoutes } from './http/v2/consumers.js';
import { webSocketRoutes } from './ws/routes.js';
import { serverSentEventRoutes } from './ws/sse.js';

export interface BuildOptions {
  /** Use this store instead of the one the config implies (tests pass their own). */
  store?: LogStore;
  logger?: FastifyServerOptions['logger'];
}

/** A route as registered, so the OpenAPI test can prove every served route is documented. */
export interface RouteEntry {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    config: Config;
    routeTable: RouteEntry[];
  }
}

const REQUEST_LOG_LEVELS = new Set(['info', 'debug', 'trace']);

/** Builds the whole gateway without listening, so tests can `inject()` into it. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    // Fastify's per-request "incoming request" / "request completed" lines are info-level; above
    // that they would be dropped anyway, and skipping them saves ~10 µs per request.
    logController: new LogController({ disableRequestLogging: !REQUEST_LOG_LEVELS.has(config.logLevel) }),
    bodyLimit: config.bodyLimitBytes,
    forceCloseConnections: 'idle',
    // Subject and topic names are path parameters and may be long (a topic name up to 249 characters, URL-encoded).
    routerOptions: { maxParamLength: 4096 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });
  const services = await createServices(config, options.store, app.log);
  app.decorate('services', services);
  app.decorate('config', config);
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeTable.push({ method, url: route.url });
  });
  app.addHook('onClose', async () => services.close());

  installErrorHandlers(app);
  installContentTypes(app);
  await installBodyCompression(app);
  app.addSchema(ErrorBody);
  await app.register(openApiPlugin);
  await app.register(metricsRoutes);

  // Route plugins, one per API family. Each receives what it needs through `app.services`.
  // --- routes (keep one line per plugin) ---
  await app.register(registryRoutes);
  await app.register(healthRoutes);
  await app.register(v3TopicRoutes);
  await app.register(v3PartitionRoutes);
  await app.register(v3ConfigRoutes);
  await app.register(v3RecordRoutes);
  await app.register(v3TableRoutes);
  await app.register(v3ConsumerGroupRoutes);
  await app.register(v2TopicRoutes);
  await app.register(v2ConsumerRoutes);
  await app.register(webSocketRoutes);
  await app.register(serverSentEventRoutes);
  return app;
}
