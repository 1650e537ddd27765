import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { MemoryStore } from '../../src/log/memory-store.js';
import { CLIENT_MESSAGES } from '../../schemas/ws/messages.js';

/**
 * Routes deliberately not in the OpenAPI document: the document itself, its docs page, and the
 * WebSocket endpoint, whose message protocol is documented in openapi/asyncapi.yaml instead.
 */
const UNDOCUMENTED = [/^\/openapi\.json$/, /^\/docs/, /^\/ws$/];

let app: FastifyInstance;
let document: { openapi: string; paths: Record<string, Record<string, unknown>> };

beforeAll(async () => {
  app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { store: new MemoryStore() });
  await app.ready();
  document = (await app.inject({ url: '/openapi.json' })).json();
});
afterAll(async () => app?.close());

/** `/v3/clusters/:cluster_id` → `/v3/clusters/{cluster_id}`, OpenAPI's path template. */
// `::` is an escaped colon (a literal `:` in the path, as in `records:delete`), the other colons start parameters.
const openApiPath = (url: string) => url.replace(/(?<!:):([A-Za-z_]+)/g, '{$1}').replace(/::/g, ':');

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1, served at /openapi.json', () => {
    expect(document.openapi).toBe('3.1.0');
  });

  it('documents every route the gateway serves', () => {
    const documented = new Set<string>();
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const served = app.routeTable.filter((route) => !UNDOCUMENTED.some((pattern) => pattern.test(route.url)));
    expect(served.length).toBeGreaterThan(20);
    const missing = served.map((route) => `${route.method} ${openApiPath(route.url)}`).filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
  });

  it('is the document kept in openapi/ (run `npm run openapi` after changing a route)', () => {
    const kept = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'));
    expect(kept).toEqual(document);
  });
});

describe('the AsyncAPI document of the WebSocket protocol', () => {
  const asyncApi = readFileSync(new URL('../../openapi/asyncapi.yaml', import.meta.url), 'utf8');

  it('documents every message a client may send', () => {
    for (const type of Object.keys(CLIENT_MESSAGES)) expect(asyncApi).toMatch(new RegExp(`const: ${type}\\b`));
  });

  it('documents every message the server sends', () => {
    for (const type of ['assigned', 'revoked', 'records', 'committed', 'produced', 'error']) expect(asyncApi).toMatch(new RegExp(`const: ${type}\\b`));
  });
});
