import { invalidSchema } from '../../registry/errors.js';
import { parseVersion } from '../../registry/schema-request.js';
import {
  RegisterSchemaRequest,
  SchemaReference,
  integerList,
  queryFlags,
  stringList,
  subjectParams,
  versionParams,
} from '../../../schemas/registry/registry.js';
import type { RoutePlugin } from '../route-plugin.js';
import { rejectInvalid, renderSchema, renderSubjectVersion } from './render.js';

/** `/subjects`: subjects, their versions, registering, looking up and deleting. */
export const registrySubjectRoutes: RoutePlugin<[typeof RegisterSchemaRequest, typeof SchemaReference]> = async (app) => {
  const { registry } = app.services;
  const tags = ['registry'];
  const { deleted, deletedOnly, permanent, normalize } = queryFlags;
  const listQuery = { type: 'object', properties: { deleted, deletedOnly } } as const;
  const body = { $ref: 'RegistryRegisterSchemaRequest#' } as const;

  app.get(
    '/subjects',
    {
      schema: {
        tags,
        summary: 'List subjects',
        querystring: { type: 'object', properties: { deleted, deletedOnly, subjectPrefix: { type: 'string' } } },
        response: { 200: stringList },
      },
    },
    async (request) => registry.listSubjects({ deleted: request.query.deleted, deletedOnly: request.query.deletedOnly, prefix: request.query.subjectPrefix }),
  );

  // Not in Confluent's API, which answers only POST and DELETE here: the versions, as the issue asks.
  app.get(
    '/subjects/:subject',
    { schema: { tags, summary: "List a subject's versions", params: subjectParams, querystring: listQuery, response: { 200: integerList } } },
    async (request) => registry.listVersions(request.params.subject, request.query),
  );

  app.get(
    '/subjects/:subject/versions',
    { schema: { tags, summary: "List a subject's versions", params: subjectParams, querystring: listQuery, response: { 200: integerList } } },
    async (request) => registry.listVersions(request.params.subject, request.query),
  );

  app.post(
    '/subjects/:subject/versions',
    {
      attachValidation: true,
      schema: {
        tags,
        summary: 'Register a schema under a subject',
        params: subjectParams,
        querystring: { type: 'object', properties: { normalize } },
        headers: { type: 'object', properties: { 'confluent-accept-unknown-properties': { type: 'string' } } },
        body,
        response: { 200: { $ref: 'RegistryRegisterSchemaResponse#' } },
      },
    },
    async (request) => {
      rejectInvalid(request, invalidSchema);
      const result = await registry.register(request.params.subject, request.body, { normalize: request.query.normalize });
      // Clients such as @kafkajs/confluent-schema-registry expect exactly {"id"} (Confluent up to 7.4).
      if (request.headers['confluent-accept-unknown-properties'] !== 'true') return { id: result.id };
      return { id: result.id, version: result.version, ...renderSchema(result.schema) };
    },
  );

  app.post(
    '/subjects/:subject',
    {
      attachValidation: true,
      schema: {
        tags,
        summary: 'Find the version of a subject that holds a schema',
        params: subjectParams,
        querystring: { type: 'object', properties: { normalize, deleted } },
        body,
        response: { 200: { $ref: 'RegistrySubjectVersionSchema#' } },
      },
    },
    async (request) => {
      rejectInvalid(request, invalidSchema);
      return renderSubjectVersion(await registry.lookup(request.params.subject, request.body, request.query));
    },
  );

  app.delete(
    '/subjects/:subject',
    {
      schema: {
        tags,
        summary: 'Delete a subject (soft, then permanent)',
        params: subjectParams,
        querystring: { type: 'object', properties: { permanent } },
        response: { 200: integerList },
      },
    },
    async (request) => registry.deleteSubject(request.params.subject, { permanent: request.query.permanent }),
  );

  app.get(
    '/subjects/:subject/versions/:version',
    {
      schema: {
        tags,
        summary: 'A version of a subject (or `latest`)',
        params: versionParams,
        querystring: { type: 'object', properties: { deleted } },
        response: { 200: { $ref: 'RegistrySubjectVersionSchema#' } },
      },
    },
    async (request) => renderSubjectVersion(await registry.getVersion(request.params.subject, parseVersion(request.params.version), request.query)),
  );

  app.get(
    '/subjects/:subject/versions/:version/schema',
    { schema: { tags, summary: 'Only the schema text of a version', params: versionParams, querystring: { type: 'object', properties: { deleted } } } },
    async (request, reply) => {
      const { schema } = await registry.getVersion(request.params.subject, parseVersion(request.params.version), request.query);
      return reply.serializer((payload: unknown) => payload as string).send(schema);
    },
  );

  app.get(
    '/subjects/:subject/versions/:version/referencedby',
    {
      schema: {
        tags,
        summary: 'Ids of the schemas that reference a version',
        params: versionParams,
        querystring: { type: 'object', properties: { deleted } },
        response: { 200: integerList },
      },
    },
    async (request) => registry.referencedBy(request.params.subject, parseVersion(request.params.version), request.query),
  );

  app.delete(
    '/subjects/:subject/versions/:version',
    {
      schema: {
        tags,
        summary: 'Delete a version (soft, then permanent)',
        params: versionParams,
        querystring: { type: 'object', properties: { permanent } },
        response: { 200: { type: 'integer' } },
      },
    },
    async (request) => registry.deleteVersion(request.params.subject, parseVersion(request.params.version), { permanent: request.query.permanent }),
  );
};
