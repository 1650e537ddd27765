import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { listen, startGateway, type TestGateway } from './gateway.js';
import { suiteRedis } from './redis.js';
import { openEvents, type EventStream } from './sse-client.js';
import { connectSocket, type TestSocket } from './ws-client.js';

export type GatewayName = 'a' | 'b';

/** Two gateway processes sharing one Redis and one key prefix, as two pods behind a load balancer are. */
export interface GatewayPair {
  readonly a: TestGateway;
  readonly b: TestGateway;
  /** A WebSocket to the gateway's `/ws`, closed after the suite. */
  socket(gateway: GatewayName): Promise<TestSocket>;
  /** The URL of a topic's event stream on the gateway, with `query` (without the `?`). */
  eventsUrl(gateway: GatewayName, topic: string, query: string): string;
  /** An open event stream of a topic on the gateway, closed after the suite. */
  events(gateway: GatewayName, topic: string, query: string, headers?: Record<string, string>): Promise<EventStream>;
  createTopic(name: string, partitions?: number): Promise<LightMyRequestResponse>;
  /** Produces JSON `values` to one partition, through gateway `via` (a unless given). */
  produce(topic: string, partition: number, values: unknown[], via?: GatewayName): Promise<LightMyRequestResponse>;
}

/**
 * Starts a suite Redis and two listening gateways `a` and `b` on it before the suite's tests, and
 * stops them, with every socket and stream opened through the pair, after them. Call it at the
 * top of a test file; its gateways exist from the first test on.
 */
export function gatewayPair(): GatewayPair {
  let redis: Awaited<ReturnType<typeof suiteRedis>> | undefined;
  const gateways: Partial<Record<GatewayName, TestGateway>> = {};
  const bases: Partial<Record<GatewayName, string>> = {};
  const sockets: TestSocket[] = [];
  const streams: EventStream[] = [];

  beforeAll(async () => {
    redis = await suiteRedis();
    gateways.a = await startGateway({ redisUrl: redis.url });
    gateways.b = await startGateway({ redisUrl: redis.url, prefix: gateways.a.config.keyPrefix });
    bases.a = await listen(gateways.a);
    bases.b = await listen(gateways.b);
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    for (const stream of streams) stream.close();
    await gateways.a?.close();
    await gateways.b?.close();
    await redis?.stop();
  });

  const gateway = (name: GatewayName) => gateways[name] ?? notStarted(name);
  const base = (name: GatewayName) => bases[name] ?? notStarted(name);
  const eventsUrl = (name: GatewayName, topic: string, query: string) => `${base(name)}${gateway(name).v3}/topics/${topic}/events?${query}`;

  return {
    get a() {
      return gateway('a');
    },
    get b() {
      return gateway('b');
    },
    async socket(name) {
      const client = await connectSocket(`${base(name).replace('http', 'ws')}/ws`);
      sockets.push(client);
      return client;
    },
    eventsUrl,
    async events(name, topic, query, headers = {}) {
      const stream = await openEvents(eventsUrl(name, topic, query), headers);
      streams.push(stream);
      return stream;
    },
    createTopic: (name, partitions = 1) =>
      gateway('a').app.inject({ method: 'POST', url: `${gateway('a').v3}/topics`, payload: { topic_name: name, partitions_count: partitions } }),
    produce: (topic, partition, values, via = 'a') =>
      gateway(via).app.inject({
        method: 'POST',
        url: `/topics/${topic}/partitions/${partition}`,
        headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
        payload: { records: values.map((value) => ({ value })) },
      }),
  };
}

function notStarted(name: GatewayName): never {
  throw new Error(`gateway ${name} is not listening yet: use the pair inside tests and hooks`);
}
