/**
 * A real HAProxy (Debian's) in front of several gateways, as an operator would run it: HTTP mode,
 * `balance roundrobin` per request, health checks, a failed connection retried on another server.
 * Every answer carries `x-served-by: <server name>`, so a test can see where a request went.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis.js';

export interface LoadBalancer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy', '/usr/bin/haproxy'];

/** The haproxy binary, or undefined when it is not installed (`.ci/run` installs it). */
export function haproxyBinary(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path));
}

function config(port: number, backends: Array<{ name: string; port: number }>): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 120s',
    '  timeout server 120s',
    // A connection refused by a dead gateway is retried on another one.
    '  retries 3',
    '  option redispatch',
    'frontend gateways',
    `  bind 127.0.0.1:${port}`,
    '  default_backend gateways',
    'backend gateways',
    // Without `prefer-last-server`, every request of a keep-alive connection is balanced anew.
    '  balance roundrobin',
    '  http-response set-header x-served-by %s',
    ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check inter 300ms fall 1 rise 2`),
    '',
  ].join('\n');
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startHaproxy(backends: Array<{ name: string; port: number }>, options: { port?: number } = {}): Promise<LoadBalancer> {
  const binary = haproxyBinary();
  if (!binary) throw new Error('haproxy is not installed');
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'sg-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config(port, backends));
  let output = '';
  const child: ChildProcess = spawn(binary, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.on('error', () => undefined);
  const deadline = Date.now() + 10_000;
  while (!(await accepting(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`haproxy did not start on port ${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
