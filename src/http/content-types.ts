import type { FastifyInstance } from 'fastify';

/**
 * Content types the gateway accepts as JSON bodies: Confluent REST Proxy's embedded formats
 * (`application/vnd.kafka.json.v2+json` …), Schema Registry's (`application/vnd.schemaregistry.v1+json`,
 * `application/vnd.schemaregistry+json`), and `application/octet-stream`, which registry clients send too.
 */
export const JSON_CONTENT_TYPES = [
  /^application\/vnd\.kafka(\.[a-z]+)?\.v[23]\+json$/,
  /^application\/vnd\.schemaregistry(\.v1)?\+json$/,
  'application/octet-stream',
];

export function installContentTypes(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  for (const type of JSON_CONTENT_TYPES) {
    // An empty body is allowed (Confluent's `POST …/offsets` with no body commits everything fetched).
    app.addContentTypeParser(type, { parseAs: 'string' }, (request, body, done) => {
      if (body === '') return done(null, null);
      return parseJson(request, body as string, done);
    });
  }
}
