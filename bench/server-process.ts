/**
 * A server under test as a child process: started with `node [--import tsx] <entry>`, ready when
 * it answers HTTP, its peak RSS read from /proc (or sampled with `ps` where there is no /proc),
 * and stopped with SIGTERM (SIGKILL after a grace period) so a CPU profile gets written.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ServerSpec {
  /** For messages: "gateway", "baseline". */
  name: string;
  /** Script path relative to `cwd`: TypeScript run through tsx, or compiled JavaScript. */
  entry: string;
  tsx: boolean;
  cwd: string;
  port: number;
  env: Record<string, string>;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir', dir]. */
  nodeFlags?: string[];
}

const LOG_TAIL_LINES = 40;

/** Kilobytes of one `VmXXX:` line of /proc/<pid>/status, or undefined without /proc. */
function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function currentRssKb(pid: number): number | undefined {
  const fromProc = procStatusKb(pid, 'VmRSS');
  if (fromProc !== undefined) return fromProc;
  try {
    const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
    return Number.isFinite(kb) ? kb : undefined;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** User + system CPU seconds a process has used, or undefined without /proc. */
function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export class ServerProcess {
  private readonly logTail: string[] = [];
  private sampledPeakKb = 0;
  private sampler: NodeJS.Timeout | undefined;
  private stopping = false;

  private constructor(
    readonly spec: ServerSpec,
    private readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line !== '') this.logTail.push(line);
        this.logTail.splice(0, Math.max(0, this.logTail.length - LOG_TAIL_LINES));
      });
    }
    // VmHWM is exact on Linux; the sampler only matters where there is no /proc.
    this.sampler = setInterval(() => this.sample(), 250).unref();
  }

  static async start(spec: ServerSpec): Promise<ServerProcess> {
    const child = spawn(process.execPath, [...(spec.nodeFlags ?? []), ...(spec.tsx ? ['--import', 'tsx'] : []), spec.entry], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env, PORT: String(spec.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(spec, child);
    try {
      await server.waitUntilListening();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.spec.name}: no pid`);
    return this.child.pid;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  /** "running", or how the process ended, for a harness error message. */
  get status(): string {
    if (this.child.signalCode !== null) return `killed by ${this.child.signalCode}`;
    if (this.child.exitCode !== null) return `exited with ${this.child.exitCode}`;
    return 'running';
  }

  /**
   * True when the process ended by a signal or a clean exit that this harness did not send: someone
   * else on the machine stopped it (a crash exits 1 and is not this).
   */
  get stoppedFromOutside(): boolean {
    return !this.stopping && (this.child.signalCode !== null || this.child.exitCode === 0);
  }

  /** The last lines the server wrote, for a harness error message. */
  get log(): string {
    return this.logTail.join('\n');
  }

  /** Peak resident set size in MB since the process started. */
  peakRssMb(): number {
    this.sample();
    const hwm = this.child.pid === undefined ? undefined : procStatusKb(this.child.pid, 'VmHWM');
    return Math.max(hwm ?? 0, this.sampledPeakKb) / 1024;
  }

  /** CPU seconds (user + system) used so far, or undefined where there is no /proc. */
  cpuSeconds(): number | undefined {
    return this.child.pid === undefined || this.exited ? undefined : procCpuSeconds(this.child.pid);
  }

  private sample(): void {
    if (this.child.pid === undefined || this.exited) return;
    const kb = currentRssKb(this.child.pid);
    if (kb !== undefined) this.sampledPeakKb = Math.max(this.sampledPeakKb, kb);
  }

  private get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  private async waitUntilListening(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`${this.spec.name} exited with ${this.child.exitCode ?? this.child.signalCode} before listening:\n${this.log}`);
      try {
        // Any HTTP answer (a 404 too) means the server is listening.
        await fetch(`${this.baseUrl}/`, { signal: AbortSignal.timeout(1000) });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`${this.spec.name} did not listen on port ${this.spec.port} within 30 s:\n${this.log}`);
  }

  /** SIGTERM (the servers shut down gracefully, writing any CPU profile), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    clearInterval(this.sampler);
    this.sampler = undefined;
    this.stopping = true;
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  /** Synchronous last resort for process exit handlers. */
  killNow(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
