/** The benchmark's markdown: environment, the results table, the issue's targets, and the write check. */
import type { LoadResult, Scenario } from './load.js';
import { medianBy } from './median.js';

export type TargetName = 'gateway' | 'baseline';

export interface Row {
  /** 1-based; with BENCH_ROUNDS > 1 every scenario is measured that many times, targets alternating. */
  round: number;
  scenario: Scenario;
  target: TargetName;
  result: LoadResult;
  peakRssMb: number;
  /** CPU (user + system) per record answered during the measurement; undefined without /proc. */
  serverCpuUsPerRecord: number | undefined;
  redisCpuUsPerRecord: number | undefined;
  /** Records found in Redis after the run, against the records acknowledged with 2xx (warm-up included). */
  stored: number;
  acknowledged: number;
}

export interface Environment {
  date: string;
  machine: string;
  /** 1-minute load averages when the run started and ended: other work on the machine skews every number. */
  load1: { start: number; end: number };
  node: string;
  redis: string;
  command: string;
  load: string;
}

/** Issue 2's targets: gateway/baseline records/s per scenario, and the gateway's peak RSS. */
export const TARGETS = { ratio: { batched: 1.0, single: 0.8 }, rssMb: 200 } as const;

const number = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const optional = (n: number | undefined) => (n === undefined ? 'n/a' : number(n, 1));

/** The run of a target in a scenario with the median records/s. */
function medianRun(rows: Row[], scenario: Scenario['name'], target: TargetName): Row | undefined {
  return medianBy(
    rows.filter((row) => row.scenario.name === scenario && row.target === target),
    (row) => row.result.recordsPerSecond,
  );
}

/** One row per scenario and target: its median run. */
function medians(rows: Row[]): Row[] {
  const keys = [...new Set(rows.map((row) => `${row.scenario.name}/${row.target}`))];
  return keys.map((key) => {
    const [scenario, target] = key.split('/') as [Scenario['name'], TargetName];
    return medianRun(rows, scenario, target) as Row;
  });
}

/** Gateway records/s over baseline records/s in each round (the two ran back to back, under the same background load). */
function roundRatios(rows: Row[], scenario: Scenario['name']): Array<{ round: number; gateway: Row; baseline: Row; ratio: number }> {
  const ofScenario = rows.filter((row) => row.scenario.name === scenario);
  return [...new Set(ofScenario.map((row) => row.round))].flatMap((round) => {
    const gateway = ofScenario.find((row) => row.round === round && row.target === 'gateway');
    const baseline = ofScenario.find((row) => row.round === round && row.target === 'baseline');
    if (!gateway || !baseline || baseline.result.recordsPerSecond === 0) return [];
    return [{ round, gateway, baseline, ratio: gateway.result.recordsPerSecond / baseline.result.recordsPerSecond }];
  });
}

/** The median of the per-round ratios. */
export function ratio(rows: Row[], scenario: Scenario['name']): number | undefined {
  return medianBy(roundRatios(rows, scenario), (pair) => pair.ratio)?.ratio;
}

export function verified(row: Row): boolean {
  return row.stored >= row.acknowledged;
}

function resultsTable(rows: Row[]): string[] {
  const rounds = Math.max(...rows.map((row) => row.round));
  const lines = [
    '| Scenario | Target | records/s | requests/s | p50 ms | p99 ms | errors | non-2xx | peak RSS MB | server CPU µs/record | Redis CPU µs/record | gateway/baseline |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  if (rounds > 1) {
    lines.unshift(
      `Each row is the median of ${rounds} rounds; gateway/baseline is the median of the per-round ratios (every round is listed below the table).`,
      '',
    );
  }
  for (const row of medians(rows)) {
    const r = row.result;
    const codes = Object.entries(r.statusCodes)
      .map(([code, count]) => `${count}×${code}`)
      .join(' ');
    const rowRatio = row.target === 'gateway' ? ratio(rows, row.scenario.name) : undefined;
    lines.push(
      `| ${row.scenario.name} (${row.scenario.recordsPerRequest}/req) | ${row.target} | ${number(r.recordsPerSecond)} | ${number(r.requestsPerSecond)} | ` +
        `${number(r.p50Ms, 1)} | ${number(r.p99Ms, 1)} | ${r.errors} | ${r.non2xx}${codes ? ` (${codes})` : ''} | ${number(row.peakRssMb, 1)} | ` +
        `${optional(row.serverCpuUsPerRecord)} | ${optional(row.redisCpuUsPerRecord)} | ` +
        `${rowRatio === undefined ? '' : number(rowRatio, 2)} |`,
    );
  }
  if (rounds > 1) {
    lines.push('');
    for (const scenario of [...new Set(rows.map((row) => row.scenario.name))]) {
      for (const pair of roundRatios(rows, scenario)) {
        lines.push(
          `- ${scenario}, round ${pair.round}: gateway ${number(pair.gateway.result.recordsPerSecond)}, ` +
            `baseline ${number(pair.baseline.result.recordsPerSecond)} records/s, ratio ${number(pair.ratio, 2)}`,
        );
      }
    }
  }
  return lines;
}

function targetsTable(rows: Row[]): string[] {
  const lines = ['| Target | Measured | Result |', '|---|--:|---|'];
  for (const scenario of ['batched', 'single'] as const) {
    const measured = ratio(rows, scenario);
    if (measured === undefined) continue;
    const goal = TARGETS.ratio[scenario];
    lines.push(`| ${scenario}: gateway/baseline records/s ≥ ${goal.toFixed(1)} | ${number(measured, 2)} | ${measured >= goal ? 'PASS' : 'MISS'} |`);
  }
  const gatewayRows = rows.filter((row) => row.target === 'gateway');
  if (gatewayRows.length > 0) {
    const peak = Math.max(...gatewayRows.map((row) => row.peakRssMb));
    lines.push(`| gateway peak RSS < ${TARGETS.rssMb} MB | ${number(peak, 1)} MB | ${peak < TARGETS.rssMb ? 'PASS' : 'MISS'} |`);
  }
  return lines;
}

function verificationLines(rows: Row[]): string[] {
  return rows.map(
    (row) =>
      `- ${row.scenario.name} / ${row.target}${row.round > 1 || rows.some((r) => r.round > 1) ? ` (round ${row.round})` : ''}: ${number(row.stored)} records in Redis, ${number(row.acknowledged)} acknowledged — ` +
      (verified(row) ? 'ok' : '**RECORDS MISSING**'),
  );
}

export function renderReport(environment: Environment, rows: Row[]): string {
  return [
    '# Produce benchmark',
    '',
    `- Date: ${environment.date}`,
    `- Machine: ${environment.machine}`,
    `- Load average (1 min) at start / end: ${environment.load1.start.toFixed(2)} / ${environment.load1.end.toFixed(2)}` +
      ' (work other than this benchmark on the machine lowers and scatters the numbers)',
    `- Node ${environment.node}, Redis ${environment.redis}`,
    `- Command: \`${environment.command}\``,
    `- Load: ${environment.load}`,
    '',
    ...resultsTable(rows),
    '',
    '## Targets (issue 2)',
    '',
    ...targetsTable(rows),
    '',
    '## Every acknowledged record was written',
    '',
    ...verificationLines(rows),
    '',
  ].join('\n');
}
