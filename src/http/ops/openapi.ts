import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The OpenAPI 3.1 document, built from the very JSON Schemas the routes validate with, served at
 * `/openapi.json` with a docs page at `/docs`. `npm run openapi` writes it to openapi/openapi.json.
 * Registered before every route plugin so it sees them all.
 */
export const openApiPlugin = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Streamgate',
        version: '0.1.0',
        description:
          "Apache Kafka's model over HTTP, WebSocket and Server-Sent Events, stored in Redis Streams: Confluent REST Proxy v2/v3 and Schema Registry compatible.",
      },
      tags: [
        { name: 'v3', description: 'Confluent REST Proxy API v3' },
        { name: 'v2', description: 'Confluent REST Proxy API v2' },
        { name: 'streamgate', description: 'Direct partition reads' },
        { name: 'registry', description: 'Confluent Schema Registry API' },
        { name: 'websocket', description: 'WebSocket consume/produce and Server-Sent Events' },
        { name: 'ops', description: 'Health, readiness, metrics' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
});
