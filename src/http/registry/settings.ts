import type { FromSchema } from 'json-schema-to-ts';
import { invalidCompatibilityLevel, invalidMode, invalidSchema } from '../../registry/errors.js';
import { parseVersion } from '../../registry/schema-request.js';
import {
  ConfigUpdateRequest,
  Mode,
  RegisterSchemaRequest,
  SchemaReference,
  queryFlags,
  subjectParams,
  versionParams,
} from '../../../schemas/registry/registry.js';
import type { RoutePlugin } from '../route-plugin.js';
import { rejectInvalid } from './render.js';

const { defaultToGlobal, force, normalize, verbose } = queryFlags;
const settingQuery = { type: 'object', properties: { defaultToGlobal } } as const;
const modeUpdateQuery = { type: 'object', properties: { force } } as const;
const compatibilityQuery = { type: 'object', properties: { normalize, verbose } } as const;

/**
 * A global setting's route and a subject's (`/config` and `/config/:subject`) are made in one loop,
 * with the subject's params or none, which the schema types cannot follow: their params are the
 * subject's made optional. Fastify derives no part of a route given generics, so each part is given.
 */
type ScopeRoute<Route = object> = { Params: Partial<FromSchema<typeof subjectParams>> } & Route;

/** `/config`, `/mode` and `/compatibility`: compatibility levels, modes, and testing a schema against a subject. */
export const registrySettingsRoutes: RoutePlugin<[typeof RegisterSchemaRequest, typeof SchemaReference]> = async (app) => {
  const { registry } = app.services;
  const { settings } = registry;
  const tags = ['registry'];
  const subject = (request: { params: { subject?: string } }) => request.params.subject ?? null;
  const config = { $ref: 'RegistryConfig#' };
  const mode = { $ref: 'RegistryMode#' };

  for (const path of ['/config', '/config/:subject']) {
    const params = path === '/config' ? {} : { params: subjectParams };
    const scope = path === '/config' ? 'the global' : "a subject's";
    app.get<ScopeRoute<{ Querystring: FromSchema<typeof settingQuery> }>>(
      path,
      { schema: { tags, summary: `Get ${scope} compatibility level`, ...params, querystring: settingQuery, response: { 200: config } } },
      async (request) => settings.config(subject(request), request.query.defaultToGlobal),
    );
    app.put<ScopeRoute<{ Body: FromSchema<typeof ConfigUpdateRequest> }>>(
      path,
      {
        attachValidation: true,
        schema: {
          tags,
          summary: `Set ${scope} compatibility level`,
          ...params,
          body: { $ref: 'RegistryConfigUpdateRequest#' },
          response: { 200: { $ref: 'RegistryConfigUpdateRequest#' } },
        },
      },
      async (request) => {
        rejectInvalid(request, invalidCompatibilityLevel);
        return settings.setConfig(subject(request), request.body);
      },
    );
    app.delete<ScopeRoute>(
      path,
      { schema: { tags, summary: `Delete ${scope} compatibility level (answers the one deleted)`, ...params, response: { 200: config } } },
      async (request) => settings.deleteConfig(subject(request)),
    );
  }

  for (const path of ['/mode', '/mode/:subject']) {
    const params = path === '/mode' ? {} : { params: subjectParams };
    const scope = path === '/mode' ? 'the global' : "a subject's";
    app.get<ScopeRoute<{ Querystring: FromSchema<typeof settingQuery> }>>(
      path,
      { schema: { tags, summary: `Get ${scope} mode`, ...params, querystring: settingQuery, response: { 200: mode } } },
      async (request) => ({ mode: await settings.mode(subject(request), request.query.defaultToGlobal) }),
    );
    app.put<ScopeRoute<{ Querystring: FromSchema<typeof modeUpdateQuery>; Body: FromSchema<typeof Mode> }>>(
      path,
      { attachValidation: true, schema: { tags, summary: `Set ${scope} mode`, ...params, querystring: modeUpdateQuery, body: mode, response: { 200: mode } } },
      async (request) => {
        rejectInvalid(request, invalidMode);
        return { mode: await settings.setMode(subject(request), request.body.mode, Boolean(request.query.force)) };
      },
    );
  }
  app.delete(
    '/mode/:subject',
    { schema: { tags, summary: "Delete a subject's mode (answers the one deleted)", params: subjectParams, response: { 200: mode } } },
    async (request) => ({ mode: await settings.deleteMode(request.params.subject) }),
  );

  const compatibilitySchema = <Params>(summary: string, params: Params) =>
    ({
      attachValidation: true,
      schema: {
        tags,
        summary,
        params,
        querystring: compatibilityQuery,
        body: { $ref: 'RegistryRegisterSchemaRequest#' },
        response: { 200: { $ref: 'RegistryCompatibilityCheckResponse#' } },
      },
    }) as const;

  const answer = (result: { isCompatible: boolean; messages: string[] }, verboseAnswer: boolean | undefined) =>
    verboseAnswer ? { is_compatible: result.isCompatible, messages: result.messages } : { is_compatible: result.isCompatible };

  app.post(
    '/compatibility/subjects/:subject/versions/:version',
    compatibilitySchema('Test a schema against a version of a subject (or `latest`)', versionParams),
    async (request) => {
      rejectInvalid(request, invalidSchema);
      const selector = parseVersion(request.params.version);
      return answer(await registry.testCompatibility(request.params.subject, selector, request.body, request.query), request.query.verbose);
    },
  );

  app.post(
    '/compatibility/subjects/:subject/versions',
    compatibilitySchema("Test a schema against the versions the subject's level names", subjectParams),
    async (request) => {
      rejectInvalid(request, invalidSchema);
      return answer(await registry.testCompatibility(request.params.subject, 'all', request.body, request.query), request.query.verbose);
    },
  );
};
