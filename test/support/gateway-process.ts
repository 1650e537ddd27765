/**
 * A gateway as its own process (`node --import tsx src/main.ts`), for suites that need what an
 * in-process gateway cannot give: a kill -9 that stops its timers and sockets mid-flight.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface GatewayProcess {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  readonly url: string;
  /** kill -9: no leave, no handover, no flush. */
  kill(): Promise<void>;
  /** SIGTERM: a graceful shutdown. */
  stop(): Promise<void>;
}

export async function startGatewayProcess(name: string, env: Record<string, string>): Promise<GatewayProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', GROUP_INITIAL_REBALANCE_DELAY_MS: '0', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.on('error', () => undefined);
  const ended = () => child.exitCode !== null || child.signalCode !== null;
  const exit = (signal: NodeJS.Signals) => async () => {
    if (ended()) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (ended()) throw new Error(`gateway ${name} exited before listening:\n${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway ${name} did not get ready on port ${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { name, port, pid: child.pid ?? -1, url: `http://127.0.0.1:${port}`, kill: exit('SIGKILL'), stop: exit('SIGTERM') };
}
