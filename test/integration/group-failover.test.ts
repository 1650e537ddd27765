import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { freePort, suiteRedis } from '../support/redis.js';
import { connectSocket, takeRecords, type TestSocket } from '../support/ws-client.js';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let survivor: TestGateway;
let survivorUrl: string;
let doomed: ChildProcess | undefined;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  redis = await suiteRedis();
  survivor = await startGateway({ redisUrl: redis.url });
  await survivor.app.listen({ port: 0, host: '127.0.0.1' });
  survivorUrl = `ws://127.0.0.1:${(survivor.app.server.address() as { port: number }).port}/ws`;
});
afterAll(async () => {
  doomed?.kill('SIGKILL');
  await Promise.all(sockets.map((s) => s.close()));
  await survivor?.close();
  await redis?.stop();
});

/** A second gateway as a real process, to be killed with SIGKILL: no goodbye, no leave, no commit. */
async function startGatewayProcess(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      KEY_PREFIX: survivor.config.keyPrefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk) => (out += chunk));
  const deadline = Date.now() + 20_000;
  while (!out.includes('Server listening')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`gateway process did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: `ws://127.0.0.1:${port}/ws` };
}

const produce = (values: string[]) =>
  survivor.app.inject({
    method: 'POST',
    url: '/topics/failover/partitions/0',
    headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
    payload: { records: values.map((value) => ({ value })) },
  });

describe('when a whole gateway process dies', () => {
  it('hands its partitions to a member on another gateway, which resumes from the last commit', async () => {
    await survivor.app.inject({ method: 'POST', url: `${survivor.v3}/topics`, payload: { topic_name: 'failover', partitions_count: 1 } });
    await produce(['r0', 'r1', 'r2', 'r3']);

    const gateway = await startGatewayProcess();
    doomed = gateway.child;
    const first = await connectSocket(gateway.url);
    sockets.push(first);
    first.send({ type: 'subscribe', group: 'g-failover', topics: ['failover'], session_timeout_ms: 1500, auto_offset_reset: 'earliest', assignor: 'sticky' });
    expect((await takeRecords(first, 4, 10_000)).map((r) => r.value)).toEqual(['r0', 'r1', 'r2', 'r3']);
    first.send({ type: 'commit', id: 'before-crash', offsets: [{ topic: 'failover', partition: 0, offset: 2 }] });
    await first.next((m) => m.type === 'committed');

    // The standby joins while the first member holds the partition; the sticky assignor leaves it there.
    const standby = await connectSocket(survivorUrl);
    sockets.push(standby);
    standby.send({ type: 'subscribe', group: 'g-failover', topics: ['failover'], session_timeout_ms: 1500, auto_offset_reset: 'earliest', assignor: 'sticky' });
    await expect(standby.next((m) => m.type === 'records', 500)).rejects.toThrow(/no matching message/);

    gateway.child.kill('SIGKILL');
    await produce(['r4']);
    // After the dead member's session expires the standby holds the partition and starts at the
    // committed offset: nothing lost, duplicates only of what came after the commit.
    const resumed = await takeRecords(standby, 3, 15_000);
    expect(resumed.map((r) => r.value)).toEqual(['r2', 'r3', 'r4']);
    const assigned = standby.received.filter((m) => m.type === 'assigned').flatMap((m) => m.partitions as Array<{ offset: number }>);
    expect(assigned.at(-1)?.offset).toBe(2);
  });
});
