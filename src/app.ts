import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import { installErrorHandlers } from './http/error-handler.js';
import { installContentTypes } from './http/content-types.js';
import { createServices, type Services } from './services.js';
import type { LogStore } from './log/store.js';

export interface BuildOptions {
  /** Use this store instead of the one the config implies (tests pass their own). */
  store?: LogStore;
  logger?: FastifyServerOptions['logger'];
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    config: Config;
  }
}

/** Builds the whole gateway without listening, so tests can `inject()` into it. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimitBytes,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });
  const services = await createServices(config, options.store, app.log);
  app.decorate('services', services);
  app.decorate('config', config);
  app.addHook('onClose', async () => services.close());

  installErrorHandlers(app);
  installContentTypes(app);

  // Route plugins, one per API family. Each receives what it needs through `app.services`.
  // --- routes (keep one line per plugin) ---
  return app;
}
