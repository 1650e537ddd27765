/**
 * The WebSocket benchmarks' consumers (bench/ws.ts, bench/ws-cpu.ts): sockets that count what
 * they receive and grant credit back as records arrive, and Redis's own CPU time.
 */
import type { Redis } from 'ioredis';
import WebSocket from 'ws';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds Redis has used (INFO cpu: system and user), read before and after a measurement. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return seconds('used_cpu_sys') + seconds('used_cpu_user');
}

/** Consumers that count delivered records and their produce-to-delivery latency. */
export class Consumers {
  delivered = 0;
  /** `records` messages received, for records per message. */
  messages = 0;
  latencies: number[] = [];
  sockets: WebSocket[] = [];
  /** Per socket, the partitions it holds, as its `assigned` and `revoked` messages tell. */
  private readonly holdings: Array<Set<string>> = [];
  async open(url: string, count: number, first: (i: number) => object): Promise<void> {
    for (let i = 0; i < count; i++) {
      const socket = new WebSocket(url);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const held = new Set<string>();
      this.holdings.push(held);
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as {
          type: string;
          records?: Array<{ value: { t?: number } }>;
          partitions?: Array<{ topic: string; partition: number }>;
        };
        if (message.type === 'assigned' || message.type === 'revoked') {
          for (const p of message.partitions ?? []) held[message.type === 'assigned' ? 'add' : 'delete'](`${p.topic}:${p.partition}`);
          return;
        }
        if (message.type !== 'records' || !message.records) return;
        const now = Date.now();
        this.delivered += message.records.length;
        this.messages++;
        for (const r of message.records) if (typeof r.value?.t === 'number') this.latencies.push(now - r.value.t);
        socket.send(JSON.stringify({ type: 'credit', records: message.records.length }));
      });
      socket.send(JSON.stringify(first(i)));
      this.sockets.push(socket);
    }
  }
  /** Resolves once every socket holds a partition and together they hold `partitions` (the group's assignment has settled). */
  async holding(partitions: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.holdings.some((held) => held.size === 0) || this.holdings.reduce((n, held) => n + held.size, 0) !== partitions) {
      if (Date.now() > deadline)
        throw new Error(`the group's members hold ${this.holdings.map((held) => held.size).join(' + ')} partitions after ${timeoutMs} ms, not ${partitions}`);
      await sleep(50);
    }
  }
  reset(): void {
    this.delivered = 0;
    this.messages = 0;
    this.latencies = [];
  }
  close(): void {
    for (const s of this.sockets) s.terminate();
  }
}
