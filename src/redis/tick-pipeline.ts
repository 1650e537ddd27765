import { Cluster } from 'ioredis';
import type { RedisConnection } from './connection.js';

type Arg = string | number | Buffer;

interface Queued {
  command: string;
  args: Arg[];
  buffers: boolean;
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

/**
 * Commands issued in one turn of the event loop, sent to Redis together as one pipeline. One
 * append wakes the readers of every partition it touched, and each reads its partition at once:
 * sent one by one, that is a socket write and a reply callback per partition (and per
 * offsets lookup); gathered, it is one write for all of them, and Redis reads them in one go.
 * Commands still go out before the event loop turns (on process.nextTick), so nothing waits for
 * a timer. A connection to Redis Cluster sends each command alone: a pipeline there may not span
 * slots, and partitions live in different ones.
 */
export class TickPipeline {
  private queued: Queued[] = [];

  constructor(private readonly redis: RedisConnection) {}

  /** Sends `command` with this turn's other commands; `buffers` asks for Buffer replies. */
  send<T>(command: string, args: Arg[], buffers = false): Promise<T> {
    if (this.redis instanceof Cluster) return (buffers ? this.redis.callBuffer(command, ...args) : this.redis.call(command, ...args)) as Promise<T>;
    return new Promise<T>((resolve, reject) => {
      if (this.queued.length === 0) process.nextTick(() => this.flush());
      this.queued.push({ command, args, buffers, resolve: resolve as (reply: unknown) => void, reject });
    });
  }

  private flush(): void {
    const queued = this.queued;
    this.queued = [];
    if (queued.length === 1) {
      const [only] = queued;
      (only.buffers ? this.redis.callBuffer(only.command, ...only.args) : this.redis.call(only.command, ...only.args)).then(only.resolve, only.reject);
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const { command, args, buffers } of queued) {
      if (buffers) pipeline.callBuffer(command, ...args);
      else pipeline.call(command, ...args);
    }
    pipeline.exec().then(
      (replies) => {
        queued.forEach((each, i) => {
          const [error, reply] = replies?.[i] ?? [new Error('Redis sent no reply to a pipelined command.'), undefined];
          if (error) each.reject(error);
          else each.resolve(reply);
        });
      },
      (error: unknown) => {
        for (const each of queued) each.reject(error);
      },
    );
  }
}
