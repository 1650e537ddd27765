/**
 * CPU pinning for a fair request-rate comparison on a small machine. With the load generator and
 * a server free to migrate over both cores, the scheduler keeps moving a multi-threaded server
 * (its GC helpers, libuv) onto the load generator's core, and a one-route hello-world server
 * suffers far less from that than a gateway does: measured unpinned, the same two servers
 * compared at anything from 0.55 to 0.8. Pinning the load generator to one core and the servers
 * under test to the other takes that lottery out, for the baseline and the candidate alike.
 *
 * `taskset` (util-linux) sets the affinity of every thread of a running process; where it or a
 * second core is missing, nothing is pinned and `pinned()` says so.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface Pinning {
  /** "load generator on CPU 0, servers on CPU 1", or why nothing was pinned. */
  description: string;
  /** Gives every process back all CPUs. */
  release(): void;
}

function setAffinity(pid: number, cpuList: string): void {
  execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpuList, String(pid)], { stdio: 'ignore' });
}

/** Pins this process (the load generator) to the first CPU and `serverPids` to the others. */
export function pinLoadAndServers(serverPids: number[]): Pinning {
  const count = cpus().length;
  if (count < 2) return { description: 'not pinned (one CPU)', release: () => {} };
  const all = `0-${count - 1}`;
  const servers = count === 2 ? '1' : `1-${count - 1}`;
  try {
    setAffinity(process.pid, '0');
    for (const pid of serverPids) setAffinity(pid, servers);
  } catch {
    return { description: 'not pinned (no taskset)', release: () => {} };
  }
  return {
    description: `load generator pinned to CPU 0, servers to CPU ${servers}`,
    release() {
      for (const pid of [process.pid, ...serverPids]) {
        try {
          setAffinity(pid, all);
        } catch {
          // The process has exited; nothing to give back.
        }
      }
    },
  };
}
