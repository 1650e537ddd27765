/**
 * The fan-out case of `npm run bench:ws` (issue 11, "the dashboard case"): many WebSocket readers
 * of one partition while a producer sends a steady FANOUT_RATE records/s over HTTP, each record
 * stamped with its send time. Measures deliveries/s (records × sockets received per second while
 * the producer runs) and produce→delivery latency, for the gateway (every socket `assign`ed to the
 * partition at `latest`) and for the relay baseline (every socket gets each `XREAD BLOCK` batch).
 *
 * The sockets live in the benchmark's own process, so the client must cost little: a `records`
 * message is never parsed — its records are counted by scanning for `"offset":`, and only every
 * SAMPLE_EVERY-th socket scans out the send times (`"t":<ms>`) for latency. Both servers get the
 * same client; the report gives its CPU and how busy its event loop was beside the server's, so a
 * client-bound run shows. (Reading the raw byte stream instead of through the ws client cost the
 * client as much: its time goes to the socket reads, one per message per socket, as the relay's
 * goes to the writes.)
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/** Records per second the producer sends. */
export const FANOUT_RATE = 400;
/** Records per produce request: 40 requests/s of 10 records. */
export const FANOUT_RECORDS_PER_REQUEST = Number(process.env.BENCH_FANOUT_BATCH ?? 10);
export const FANOUT_S = Number(process.env.BENCH_FANOUT_DURATION ?? 8);
export const FANOUT_TOPIC = 'bench-fanout';
/** Every this-many-th socket measures latency (all sockets count records). */
const SAMPLE_EVERY = 10;
/** Sockets opened at once. */
const OPEN_CONCURRENCY = 50;
/** Credit each gateway reader starts with (the most a client may grant), granted again by half as it is used. */
const CREDIT = 100_000;
const CT = { 'content-type': 'application/vnd.kafka.json.v2+json' };

const RECORDS_PREFIX = Buffer.from('{"type":"records"');
const OFFSET = Buffer.from('"offset":');
const STAMP = Buffer.from('"t":');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

/** A server under test, as the fan-out client sees it. */
export interface FanoutServer {
  name: string;
  baseUrl: string;
  wsUrl: string;
  /** The gateway: each socket assigns itself the partition and waits for `assigned`; the relay sends to whoever connects. */
  assigns: boolean;
  cpuSeconds(): number | undefined;
  pid: number;
}

export interface FanoutRun {
  sockets: number;
  /** Records × sockets received while the producer ran, per second. */
  deliveriesPerS: number;
  /** What the producer offered: records produced × sockets per second of the run. */
  offeredPerS: number;
  /** Records whose produce request failed (not expected at the sockets). */
  produceFailed: number;
  /** Share of records × sockets received by the end (after a drain). */
  complete: number;
  /** Records per `records` message and bytes per record delivered, over the run and its drain: what the client had to take. */
  recordsPerMessage: number;
  bytesPerRecord: number;
  p50: number;
  p99: number;
  max: number;
  /** CPU of the server process and of this (client) process, in cores, over the run and its drain. */
  serverCores: number;
  /** Share of the run and its drain in which the server's and the client's event loop ran or waited for a core (near 1: saturated). */
  serverBusy: number;
  clientBusy: number;
  /** Server CPU per message a socket received (µs): the cost of one frame to one socket, all else included. */
  serverUsPerMessage: number;
  clientCores: number;
}

/**
 * Nanoseconds a process's main thread (its event loop) has run and has waited to run, from
 * /proc/<pid>/task/<pid>/schedstat (zeros where there is none). Running plus waiting over the
 * elapsed time is how much of the time the event loop had work: near 1, that process is what
 * holds the others back, whatever share of the cores the machine's other load leaves it.
 */
function mainThreadTimes(pid: number): { run: number; wait: number } {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { run, wait };
  } catch {
    return { run: 0, wait: 0 };
  }
}

function occurrences(data: Buffer, needle: Buffer): number {
  let n = 0;
  for (let at = data.indexOf(needle); at !== -1; at = data.indexOf(needle, at + needle.length)) n++;
  return n;
}

/** Readers of one server: they count what they receive and sample send times. */
class Readers {
  received = 0;
  messages = 0;
  bytes = 0;
  latencies: number[] = [];
  errors: string[] = [];
  private readonly sockets: WebSocket[] = [];
  private closing = false;

  constructor(private readonly server: FanoutServer) {}

  async open(count: number): Promise<void> {
    for (let first = 0; first < count; first += OPEN_CONCURRENCY) {
      const batch: Array<Promise<void>> = [];
      for (let i = first; i < Math.min(count, first + OPEN_CONCURRENCY); i++) batch.push(this.openOne(i));
      await Promise.all(batch);
    }
  }

  private async openOne(index: number): Promise<void> {
    // No UTF-8 validation: neither server needs it, and the client's CPU competes with theirs.
    const socket = new WebSocket(this.server.wsUrl, { skipUTF8Validation: true });
    this.sockets.push(socket);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const sampled = index % SAMPLE_EVERY === 0;
    let granted = CREDIT;
    let onAssigned: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (onAssigned = resolve));
    socket.on('message', (data: Buffer) => {
      if (data.compare(RECORDS_PREFIX, 0, RECORDS_PREFIX.length, 0, RECORDS_PREFIX.length) !== 0) {
        const message = JSON.parse(data.toString()) as { type: string; message?: string };
        if (message.type === 'assigned') onAssigned();
        else if (message.type === 'error') this.errors.push(message.message ?? 'error');
        return;
      }
      const records = occurrences(data, OFFSET);
      this.received += records;
      this.messages++;
      this.bytes += data.length;
      if (sampled) this.stamps(data);
      if (this.server.assigns && (granted -= records) <= CREDIT / 2) {
        socket.send(JSON.stringify({ type: 'credit', records: CREDIT - granted }));
        granted = CREDIT;
      }
    });
    socket.on('close', () => {
      if (!this.closing) this.errors.push(`socket ${index} closed by ${this.server.name}`);
    });
    if (!this.server.assigns) return;
    socket.send(JSON.stringify({ type: 'assign', partitions: [{ topic: FANOUT_TOPIC, partition: 0, offset: 'latest' }], credit: CREDIT }));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.server.name}: socket ${index} got no 'assigned' within 30 s (${this.errors.join('; ')})`)), 30_000);
    });
    await Promise.race([ready, timeout]).finally(() => clearTimeout(timer));
  }

  /** Latency of each record in a message, from its send time (`"t":<ms>`), read without parsing the message. */
  private stamps(data: Buffer): void {
    const now = Date.now();
    for (let at = data.indexOf(STAMP); at !== -1; at = data.indexOf(STAMP, at + STAMP.length)) {
      let t = 0;
      for (let i = at + STAMP.length; data[i] >= 0x30 && data[i] <= 0x39; i++) t = t * 10 + data[i] - 0x30;
      this.latencies.push(now - t);
    }
  }

  reset(): void {
    this.received = 0;
    this.messages = 0;
    this.bytes = 0;
    this.latencies = [];
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const socket of this.sockets) socket.terminate();
    // The server lets go of its consumers before the next measurement starts.
    await sleep(1000);
  }
}

/** A paced producer: FANOUT_RATE records/s as requests of FANOUT_RECORDS_PER_REQUEST, catching up when the event loop was late. */
async function produce(baseUrl: string, seconds: number): Promise<{ sent: number; failed: number }> {
  const interval = (1000 * FANOUT_RECORDS_PER_REQUEST) / FANOUT_RATE;
  const start = performance.now();
  const inflight: Array<Promise<void>> = [];
  let sent = 0;
  let failed = 0;
  for (let i = 0; i * interval < seconds * 1000; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await sleep(wait);
    const body = JSON.stringify({ records: Array.from({ length: FANOUT_RECORDS_PER_REQUEST }, () => ({ value: { t: Date.now(), pad: 'x'.repeat(80) } })) });
    inflight.push(
      // A refused request (an overloaded server may answer 503) is counted, not fatal: its records are not expected.
      fetch(`${baseUrl}/topics/${FANOUT_TOPIC}`, { method: 'POST', headers: CT, body }).then(
        async (response) => {
          await response.arrayBuffer();
          if (response.ok) sent += FANOUT_RECORDS_PER_REQUEST;
          else failed += FANOUT_RECORDS_PER_REQUEST;
        },
        () => void (failed += FANOUT_RECORDS_PER_REQUEST),
      ),
    );
  }
  await Promise.all(inflight);
  return { sent, failed };
}

/** One measurement: `count` sockets on `server`, the producer for FANOUT_S, then a drain. */
export async function fanout(server: FanoutServer, count: number): Promise<FanoutRun> {
  const readers = new Readers(server);
  try {
    await readers.open(count);
    await sleep(500);
    readers.reset();
    const cpu0 = server.cpuSeconds() ?? 0;
    const client0 = process.cpuUsage();
    const serverThread0 = mainThreadTimes(server.pid);
    const clientThread0 = mainThreadTimes(process.pid);
    const started = performance.now();
    // The rate counts what arrived while the producer was meant to run: a server that answers
    // produce requests late does not get a longer window.
    const inRun = sleep(FANOUT_S * 1000).then(() => readers.received);
    const { sent, failed } = await produce(server.baseUrl, FANOUT_S);
    const deliveredInRun = await inRun;
    // Records still on their way count for completeness and latency, not for the rate.
    for (let last = -1, waited = 0; readers.received !== last && readers.received < sent * count && waited < 30_000; waited += 250) {
      last = readers.received;
      await sleep(250);
    }
    const elapsed = (performance.now() - started) / 1000;
    const client = process.cpuUsage(client0);
    const serverCpu = (server.cpuSeconds() ?? 0) - cpu0;
    const busy = (pid: number, before: { run: number; wait: number }) => {
      const after = mainThreadTimes(pid);
      return (after.run - before.run + after.wait - before.wait) / 1e9 / elapsed;
    };
    const serverBusy = busy(server.pid, serverThread0);
    const clientBusy = busy(process.pid, clientThread0);
    if (readers.errors.length > 0) throw new Error(`${server.name}: ${readers.errors.length} error messages, first: ${readers.errors[0]}`);
    const sorted = readers.latencies.sort((a, b) => a - b);
    return {
      sockets: count,
      deliveriesPerS: deliveredInRun / FANOUT_S,
      offeredPerS: (sent * count) / FANOUT_S,
      produceFailed: failed,
      complete: readers.received / (sent * count),
      recordsPerMessage: readers.received / Math.max(1, readers.messages),
      bytesPerRecord: readers.bytes / Math.max(1, readers.received),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? NaN,
      serverCores: serverCpu / elapsed,
      serverBusy,
      clientBusy,
      serverUsPerMessage: (1e6 * serverCpu) / Math.max(1, readers.messages),
      clientCores: (client.user + client.system) / 1e6 / elapsed,
    };
  } finally {
    await readers.close();
  }
}
