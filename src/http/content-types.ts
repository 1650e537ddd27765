import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCode, GatewayError } from '../errors.js';
import { parseJson } from '../json-text.js';

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

type BodyDone = (error: Error | null, body?: unknown) => void;

/** Every JSON body goes through parseJson: UTF-8 only, bounded depth, no prototype keys. */
const parseBody = (allowEmpty: boolean) => (request: FastifyRequest, body: Buffer, done: BodyDone) => {
  if (body.length === 0) {
    if (allowEmpty) return done(null, null);
    return done(new GatewayError(ErrorCode.BAD_REQUEST, `Body cannot be empty when content-type is set to '${request.headers['content-type']}'.`));
  }
  try {
    done(null, parseJson(body));
  } catch (error) {
    done(error as Error);
  }
};

export function installContentTypes(app: FastifyInstance): void {
  // Fastify's own JSON parser replaces bytes that are not UTF-8 and recurses through deep input.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseBody(false));
  // An empty body is allowed (Confluent's `POST …/offsets` with no body commits everything fetched).
  for (const type of JSON_CONTENT_TYPES) app.addContentTypeParser(type, { parseAs: 'buffer' }, parseBody(true));
}
