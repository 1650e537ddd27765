/**
 * Where the time went in a V8 .cpuprofile (as written by `node --cpu-prof`, e.g. by
 * `BENCH_CPU_PROF=1 npm run bench`): self time by function and by module, and total (inclusive)
 * time of the project's own functions.
 *
 *   npx tsx bench/profile-summary.ts bench/results/profiles/<file>.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** "fastify", "ioredis", "src/produce/produce-service.ts", "(node:internal)", "(native)". */
function moduleOf(url: string): string {
  if (url === '') return '(native/V8)';
  if (url.startsWith('node:')) return '(node internals)';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1];
  const own = /\/((?:src|schemas|bench)\/.*)$/.exec(url);
  return own ? own[1] : url;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${moduleOf(url)}${url ? `:${lineNumber + 1}` : ''}`;
}

function table(title: string, entries: Map<string, number>, total: number, top: number): string {
  const rows = [...entries].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [`${title}`, ...rows.map(([name, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`)].join(
    '\n',
  );
}

function summarize(path: string, top: number): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);

  const selfByFunction = new Map<string, number>();
  const selfByModule = new Map<string, number>();
  const inclusiveOwn = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    selfByFunction.set(label(node), (selfByFunction.get(label(node)) ?? 0) + us);
    const module = moduleOf(node.callFrame.url);
    selfByModule.set(module, (selfByModule.get(module) ?? 0) + us);
    // Inclusive time of the project's own functions: every distinct own frame on this sample's stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (!frame || !/^(src|schemas)\//.test(moduleOf(frame.callFrame.url))) continue;
      const name = label(frame);
      if (!seen.has(name)) inclusiveOwn.set(name, (inclusiveOwn.get(name) ?? 0) + us);
      seen.add(name);
    }
  }
  return [
    `${path}: ${(total / 1000).toFixed(0)} ms sampled, ${((100 * idle) / total).toFixed(1)}% idle`,
    '',
    table('Self time by module:', selfByModule, total, top),
    '',
    table('Self time by function:', selfByFunction, total, top),
    '',
    table("Total time of the project's own functions:", inclusiveOwn, total, top),
  ].join('\n');
}

const [path, topArg] = process.argv.slice(2);
if (!path) {
  process.stderr.write('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]\n');
  process.exit(2);
}
process.stdout.write(`${summarize(path, Number(topArg ?? 25))}\n`);
