import { schemaNotFound } from '../../registry/errors.js';
import { idParams, queryFlags, stringList } from '../../../schemas/registry/registry.js';
import type { StoredSchema } from '../../registry/types.js';
import type { RoutePlugin } from '../route-plugin.js';
import { REGISTRY_CONTENT_TYPE, renderSchema } from './render.js';

const asText = (payload: unknown) => payload as string;

/** `/schemas`: schema types and schemas by global id. */
export const registrySchemaRoutes: RoutePlugin = async (app) => {
  const { registry } = app.services;
  const tags = ['registry'];
  const idQuery = { type: 'object', properties: { subject: { type: 'string' }, deleted: queryFlags.deleted } } as const;
  const schemaId = (raw: string): number => {
    if (!/^\d{1,10}$/.test(raw) || Number(raw) > 2 ** 31 - 1) throw schemaNotFound();
    return Number(raw);
  };

  app.get('/schemas/types', { schema: { tags, summary: 'The schema types the registry supports', response: { 200: stringList } } }, async () =>
    registry.schemaTypes(),
  );

  // Serializers look up every id they have not seen yet: the registry's busiest route. An id's
  // schema never changes, so its answer is kept as text. The service hands out one object per
  // cached id, so an answer lives as long as its schema stays in the service's cache.
  const answers = new WeakMap<StoredSchema, string>();
  app.get(
    '/schemas/ids/:id',
    { schema: { tags, summary: 'The schema with a global id', params: idParams, querystring: idQuery, response: { 200: { $ref: 'RegistrySchemaString#' } } } },
    async (request, reply) => {
      const schema = await registry.schemaById(schemaId(request.params.id));
      let answer = answers.get(schema);
      if (answer === undefined) {
        answer = reply.serialize(renderSchema(schema)) as string;
        answers.set(schema, answer);
      }
      return reply.type(REGISTRY_CONTENT_TYPE).serializer(asText).send(answer);
    },
  );

  app.get(
    '/schemas/ids/:id/schema',
    { schema: { tags, summary: 'Only the schema text of a global id', params: idParams, querystring: idQuery } },
    async (request, reply) => {
      const { schema } = await registry.schemaById(schemaId(request.params.id));
      return reply.serializer(asText).send(schema);
    },
  );

  app.get(
    '/schemas/ids/:id/subjects',
    { schema: { tags, summary: 'The subjects holding a global id', params: idParams, querystring: idQuery, response: { 200: stringList } } },
    async (request) => registry.subjectsOfId(schemaId(request.params.id), { deleted: request.query.deleted, subject: request.query.subject }),
  );

  app.get(
    '/schemas/ids/:id/versions',
    {
      schema: {
        tags,
        summary: 'The subject versions holding a global id',
        params: idParams,
        querystring: idQuery,
        response: { 200: { $ref: 'RegistrySubjectVersionList#' } },
      },
    },
    async (request) => registry.versionsOfId(schemaId(request.params.id), { deleted: request.query.deleted, subject: request.query.subject }),
  );
};
