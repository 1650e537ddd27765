import type { FastifyInstance } from 'fastify';
import { invalidCompatibilityLevel, invalidMode, invalidSchema } from '../../registry/errors.js';
import { parseVersion } from '../../registry/schema-request.js';
import type { ConfigUpdate } from '../../registry/registry-settings.js';
import type { SchemaRequest } from '../../registry/types.js';
import { queryFlags, subjectParams, versionParams } from '../../../schemas/registry/registry.js';
import { rejectInvalid } from './render.js';

interface ScopeRequest {
  Params: { subject?: string };
  Querystring: { defaultToGlobal?: boolean; force?: boolean };
}

/** `/config`, `/mode` and `/compatibility`: compatibility levels, modes, and testing a schema against a subject. */
export async function registrySettingsRoutes(app: FastifyInstance): Promise<void> {
  const { registry } = app.services;
  const { settings } = registry;
  const tags = ['registry'];
  const { defaultToGlobal, force, normalize, verbose } = queryFlags;
  const subject = (request: { params: { subject?: string } }) => request.params.subject ?? null;
  const config = { $ref: 'RegistryConfig#' };
  const mode = { $ref: 'RegistryMode#' };

  for (const path of ['/config', '/config/:subject']) {
    const params = path === '/config' ? {} : { params: subjectParams };
    const scope = path === '/config' ? 'the global' : "a subject's";
    app.get<ScopeRequest>(
      path,
      { schema: { tags, summary: `Get ${scope} compatibility level`, ...params, querystring: { type: 'object', properties: { defaultToGlobal } }, response: { 200: config } } },
      async (request) => settings.config(subject(request), request.query.defaultToGlobal),
    );
    app.put<ScopeRequest & { Body: ConfigUpdate | undefined }>(
      path,
      { attachValidation: true, schema: { tags, summary: `Set ${scope} compatibility level`, ...params, body: { $ref: 'RegistryConfigUpdateRequest#' }, response: { 200: { $ref: 'RegistryConfigUpdateRequest#' } } } },
      async (request) => {
        rejectInvalid(request, invalidCompatibilityLevel);
        return settings.setConfig(subject(request), request.body ?? {});
      },
    );
    app.delete<ScopeRequest>(
      path,
      { schema: { tags, summary: `Delete ${scope} compatibility level (answers the one deleted)`, ...params, response: { 200: config } } },
      async (request) => settings.deleteConfig(subject(request)),
    );
  }

  for (const path of ['/mode', '/mode/:subject']) {
    const params = path === '/mode' ? {} : { params: subjectParams };
    const scope = path === '/mode' ? 'the global' : "a subject's";
    app.get<ScopeRequest>(
      path,
      { schema: { tags, summary: `Get ${scope} mode`, ...params, querystring: { type: 'object', properties: { defaultToGlobal } }, response: { 200: mode } } },
      async (request) => ({ mode: await settings.mode(subject(request), request.query.defaultToGlobal) }),
    );
    app.put<ScopeRequest & { Body: { mode?: unknown } | undefined }>(
      path,
      { attachValidation: true, schema: { tags, summary: `Set ${scope} mode`, ...params, querystring: { type: 'object', properties: { force } }, body: mode, response: { 200: mode } } },
      async (request) => {
        rejectInvalid(request, invalidMode);
        return { mode: await settings.setMode(subject(request), request.body?.mode, Boolean(request.query.force)) };
      },
    );
  }
  app.delete<ScopeRequest & { Params: { subject: string } }>(
    '/mode/:subject',
    { schema: { tags, summary: "Delete a subject's mode (answers the one deleted)", params: subjectParams, response: { 200: mode } } },
    async (request) => ({ mode: await settings.deleteMode(request.params.subject) }),
  );

  const compatibilityQuery = { type: 'object', properties: { normalize, verbose } } as const;
  const compatibilitySchema = (summary: string, params: object) => ({
    attachValidation: true,
    schema: { tags, summary, params, querystring: compatibilityQuery, body: { $ref: 'RegistryRegisterSchemaRequest#' }, response: { 200: { $ref: 'RegistryCompatibilityCheckResponse#' } } },
  });
  type CompatibilityRequest = { Params: { subject: string; version?: string }; Querystring: { verbose?: boolean; normalize?: boolean }; Body: SchemaRequest | undefined };

  const answer = (result: { isCompatible: boolean; messages: string[] }, verboseAnswer: boolean | undefined) =>
    verboseAnswer ? { is_compatible: result.isCompatible, messages: result.messages } : { is_compatible: result.isCompatible };

  app.post<CompatibilityRequest>(
    '/compatibility/subjects/:subject/versions/:version',
    compatibilitySchema('Test a schema against a version of a subject (or `latest`)', versionParams),
    async (request) => {
      rejectInvalid(request, invalidSchema);
      const selector = parseVersion(request.params.version ?? 'latest');
      return answer(await registry.testCompatibility(request.params.subject, selector, request.body ?? {}, request.query), request.query.verbose);
    },
  );

  app.post<CompatibilityRequest>(
    '/compatibility/subjects/:subject/versions',
    compatibilitySchema("Test a schema against the versions the subject's level names", subjectParams),
    async (request) => {
      rejectInvalid(request, invalidSchema);
      return answer(await registry.testCompatibility(request.params.subject, 'all', request.body ?? {}, request.query), request.query.verbose);
    },
  );
}
