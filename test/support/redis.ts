/**
 * Starts and stops real redis-server processes for the tests: a single node on a free port, with
 * an append-only file (everysec, in a temporary directory) as the gateway requires unless asked
 * otherwise, and a local Redis Cluster.
 * A test never talks to a server it did not start, unless REDIS_URL is given explicitly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops the server (SHUTDOWN, so AOF is flushed) and starts it again on the same port and directory. */
  restart(): Promise<void>;
  /** Stops the server without removing its data directory. */
  kill(): Promise<void>;
  /** Kills the server with SIGKILL (no AOF flush, no goodbye to clients), keeping its data directory. */
  crash(): Promise<void>;
  /** Starts a killed server again. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Default true: the gateway refuses a Redis without AOF unless ALLOW_NON_DURABLE_REDIS=true. */
  appendonly?: boolean;
  /** Default everysec. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Extra redis-server arguments, e.g. ['--maxmemory-policy', 'allkeys-lru']. */
  args?: string[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      server.close(() => resolve(address.port));
    });
  });
}

async function waitUntilReady(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`);
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const loading = await client.info('persistence');
      client.disconnect();
      if (!/loading:1/.test(loading)) return;
    } catch (error) {
      lastError = error;
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not become ready: ${String(lastError)}`);
}

function launch(port: number, dir: string, options: RedisServerOptions): ChildProcess {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendonly === false ? 'no' : 'yes',
    '--appendfsync',
    options.appendfsync ?? 'everysec',
    '--maxmemory-policy',
    'noeviction',
    '--protected-mode',
    'no',
    ...(options.args ?? []),
  ];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  child.on('error', () => undefined);
  return child;
}

async function terminate(child: ChildProcess, port: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.call('SHUTDOWN').catch(() => undefined);
  } catch {
    child.kill('SIGTERM');
  } finally {
    client.disconnect();
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sg-redis-'));
  let child = launch(port, dir, options);
  await waitUntilReady(port, child);
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async kill() {
      await terminate(child, port);
    },
    async crash() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
    async start() {
      child = launch(port, dir, options);
      await waitUntilReady(port, child);
    },
    async restart() {
      await server.kill();
      await server.start();
    },
    async stop() {
      await terminate(child, port);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/**
 * The Redis to use for a suite: one the suite starts itself, or the one named by REDIS_URL when
 * that is set explicitly (then `stop` leaves it running, and `startGateway` accepts it without AOF).
 */
export async function suiteRedis(options: RedisServerOptions = {}): Promise<{ url: string; server?: RedisServer; stop(): Promise<void> }> {
  const external = process.env.REDIS_URL;
  if (external && !options.appendonly) return { url: external, stop: async () => undefined };
  const server = await startRedis(options);
  return { url: server.url, server, stop: () => server.stop() };
}

/** A fresh key prefix per test so tests sharing one server never see each other's keys. */
export function uniquePrefix(label = 't'): string {
  return `${label}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
