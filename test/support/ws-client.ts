import WebSocket from 'ws';

/** A WebSocket test client that queues every server message and lets a test wait for the next one it cares about. */
export interface TestSocket {
  socket: WebSocket;
  send(message: object | string): void;
  /** The next message (not yet taken) matching `match`, waiting up to `timeoutMs`. */
  next(match?: (message: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  /** Every message received so far. */
  received: ServerMessage[];
  close(): Promise<void>;
}

export type ServerMessage = { type: string } & Record<string, unknown>;

export async function connectSocket(url: string): Promise<TestSocket> {
  const socket = new WebSocket(url);
  const received: ServerMessage[] = [];
  const pending: ServerMessage[] = [];
  let notify: (() => void) | undefined;
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as ServerMessage;
    received.push(message);
    pending.push(message);
    notify?.();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    received,
    send(message) {
      socket.send(typeof message === 'string' ? message : JSON.stringify(message));
    },
    async next(match = () => true, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = pending.findIndex(match);
        if (index >= 0) return pending.splice(index, 1)[0];
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; pending: ${JSON.stringify(pending).slice(0, 500)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          notify = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close();
      });
    },
  };
}

/** Collects `records` messages until `count` records arrived. */
export async function takeRecords(client: TestSocket, count: number, timeoutMs = 5000): Promise<Array<Record<string, unknown>>> {
  const records: Array<Record<string, unknown>> = [];
  while (records.length < count) {
    const message = await client.next((m) => m.type === 'records', timeoutMs);
    records.push(...(message.records as Array<Record<string, unknown>>));
  }
  return records;
}

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset?: number;
}

/** The partitions an `assigned` or `revoked` message names. */
export const partitionsOf = (message: ServerMessage): PartitionOffset[] => (message.partitions as PartitionOffset[] | undefined) ?? [];

/** The partition numbers a group member holds now, from the `assigned` and `revoked` messages it received. */
export function held(client: TestSocket): number[] {
  const partitions = new Set<number>();
  for (const message of client.received) {
    if (message.type === 'assigned') for (const p of partitionsOf(message)) partitions.add(p.partition);
    if (message.type === 'revoked') for (const p of partitionsOf(message)) partitions.delete(p.partition);
  }
  return [...partitions].sort((x, y) => x - y);
}
