/** Shared by the registry suites: a gateway whose registry runs in Redis (given a URL) or in memory. */
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { MemoryStore } from '../../src/log/memory-store.js';
import { suiteRedis, uniquePrefix } from '../support/redis.js';

export const REGISTRY_JSON = 'application/vnd.schemaregistry.v1+json';

export interface RegistryGateway {
  app: FastifyInstance;
  /** Sends a request; an object payload goes as JSON in the registry's content type. The body is whatever JSON came back: tests assert its shape. */
  call(
    method: InjectOptions['method'],
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any; contentType: string | undefined }>;
  close(): Promise<void>;
}

export async function startRegistryGateway(options: { redisUrl?: string; prefix?: string } = {}): Promise<RegistryGateway> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    KEY_PREFIX: options.prefix ?? uniquePrefix('reg'),
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
  });
  // The log store is not under test here: the registry follows REDIS_URL on its own.
  const app = await buildApp(config, { store: new MemoryStore() });
  await app.ready();
  return {
    app,
    async call(method, url, payload, headers = {}) {
      const response = await app.inject({
        method,
        url,
        headers: payload === undefined ? headers : { 'content-type': REGISTRY_JSON, ...headers },
        payload: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      const text = response.body;
      let body: unknown = text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      return { status: response.statusCode, body, contentType: response.headers['content-type'] as string | undefined };
    },
    close: () => app.close(),
  };
}

/**
 * Declares `suite` twice, as `<title> (Redis)` on a Redis the file starts and as `<title> (memory)`,
 * with a fresh registry gateway for each test: `gateway` stands for the current test's one.
 */
export function describeOnEachBackend(title: string, suite: (gateway: Pick<RegistryGateway, 'app' | 'call'>) => void): void {
  let redis: Awaited<ReturnType<typeof suiteRedis>>;
  beforeAll(async () => {
    redis = await suiteRedis();
  });
  afterAll(async () => redis?.stop());

  describe.each([
    ['Redis', () => redis.url],
    ['memory', () => undefined],
  ])(`${title} (%s)`, (_backend, redisUrl) => {
    let current: RegistryGateway | undefined;
    beforeEach(async () => {
      const started = await startRegistryGateway({ redisUrl: redisUrl() });
      current = started;
      return () => started.close();
    });
    const gateway = () => current ?? notInATest();
    suite({
      get app() {
        return gateway().app;
      },
      call: (...request) => gateway().call(...request),
    });
  });
}

function notInATest(): never {
  throw new Error('the registry gateway exists only inside a test');
}

export const avroUser = (fields: object[] = [{ name: 'name', type: 'string' }]) =>
  JSON.stringify({ type: 'record', name: 'User', namespace: 'com.example', fields });

export const PROTO_ORDER = 'syntax = "proto3";\npackage shop;\n\nmessage Order {\n  string id = 1;\n  int64 amount = 2;\n}\n';

export const JSON_ORDER = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { id: { type: 'string' }, amount: { type: 'number' } },
  required: ['id'],
});
