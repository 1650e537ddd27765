/**
 * The load: v2 produce bodies with varying keys (so records spread over partitions), fired by
 * autocannon. Bodies are built once; each autocannon connection cycles through the same fixed
 * list, so the load generator spends no time building requests.
 */
import autocannon from 'autocannon';

export const PRODUCE_CONTENT_TYPE = 'application/vnd.kafka.json.v2+json';

export interface Scenario {
  name: 'batched' | 'single';
  recordsPerRequest: number;
}

export interface LoadSettings {
  connections: number;
  /** Seconds. */
  duration: number;
}

export interface LoadResult {
  /** Requests answered with 2xx. */
  ok: number;
  /** Records per second, counting only 2xx requests. */
  recordsPerSecond: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  /** Non-2xx answers by status code, e.g. { "503": 12 }. */
  statusCodes: Record<string, number>;
}

const RECORD_VALUE_CHARS = 100;
/** Distinct request bodies per scenario: enough distinct keys to reach every partition. */
const BODY_VARIANTS = { batched: 16, single: 256 } as const;

function recordValue(n: number): string {
  const head = `value-${n}-`;
  return head + 'x'.repeat(Math.max(0, RECORD_VALUE_CHARS - head.length));
}

/** The request bodies of a scenario: `{"records":[{"key":"k-<i>","value":"<~100 chars>"}, …]}`. */
export function produceBodies(scenario: Scenario): string[] {
  return Array.from({ length: BODY_VARIANTS[scenario.name] }, (_, variant) => {
    const records = Array.from({ length: scenario.recordsPerRequest }, (_, i) => {
      const n = variant * scenario.recordsPerRequest + i;
      return { key: `k-${n}`, value: recordValue(n) };
    });
    return JSON.stringify({ records });
  });
}

/** Fires `bodies` at `POST <baseUrl><path>` for `settings.duration` seconds. */
export async function fire(baseUrl: string, path: string, bodies: string[], scenario: Scenario, settings: LoadSettings): Promise<LoadResult> {
  const result = await autocannon({
    url: baseUrl,
    connections: settings.connections,
    duration: settings.duration,
    requests: bodies.map((body) => ({ method: 'POST', path, headers: { 'content-type': PRODUCE_CONTENT_TYPE }, body })),
  });
  const ok = result['2xx'];
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    if (!code.startsWith('2')) statusCodes[code] = stats.count ?? 0;
  }
  return {
    ok,
    recordsPerSecond: (ok * scenario.recordsPerRequest) / result.duration,
    requestsPerSecond: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    statusCodes,
  };
}
