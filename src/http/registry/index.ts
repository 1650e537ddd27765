import type { FastifyInstance } from 'fastify';
import { registrySchemas } from '../../../schemas/registry/registry.js';
import { registrySchemaRoutes } from './schemas.js';
import { registrySettingsRoutes } from './settings.js';
import { registrySubjectRoutes } from './subjects.js';
import { REGISTRY_CONTENT_TYPE } from './render.js';

/** The Confluent Schema Registry API, answering in its own content type (errors included). */
export async function registryRoutes(app: FastifyInstance): Promise<void> {
  for (const schema of registrySchemas) app.addSchema(schema);
  // Set last, so answers and errors alike carry exactly Confluent's type (Fastify would append a charset).
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('content-type', REGISTRY_CONTENT_TYPE);
    done(null, payload);
  });
  await app.register(registrySchemaRoutes);
  await app.register(registrySubjectRoutes);
  await app.register(registrySettingsRoutes);
}
