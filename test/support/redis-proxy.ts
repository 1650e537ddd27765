/**
 * A TCP proxy in front of a redis-server that loses a command or its reply on purpose, the way a
 * dropped connection does, deterministically:
 * - `loseReply`: the next request containing a marker (e.g. `EVALSHA`, in any case) reaches Redis, and when the
 *   reply that matches comes back the connection is cut instead: Redis applied the command, the
 *   client never hears so;
 * - `loseRequest`: the next request containing the marker is not forwarded, and the connection is
 *   cut: Redis never saw the command;
 * - `refuseConnections`: new connections are closed at once for a while (Redis looks down).
 */
import { createServer, connect, type Socket } from 'node:net';

export interface RedisProxy {
  /** `redis://127.0.0.1:<proxy port>` */
  readonly url: string;
  /** Resolves once the reply matching `reply` to the next request containing `marker` was lost. */
  loseReply(marker: string, reply: RegExp): Promise<void>;
  /** Resolves once the next request containing `marker` was lost. */
  loseRequest(marker: string): Promise<void>;
  refuseConnections(ms: number): void;
  close(): Promise<void>;
}

type Fault = { kind: 'reply'; marker: string; reply: RegExp; done: () => void } | { kind: 'request'; marker: string; done: () => void };

export async function startRedisProxy(redisPort: number): Promise<RedisProxy> {
  const sockets = new Set<Socket>();
  let armed: Fault | undefined;
  let refuseUntil = 0;

  const server = createServer((client) => {
    sockets.add(client);
    if (Date.now() < refuseUntil) {
      client.destroy();
      return;
    }
    const upstream = connect(redisPort, '127.0.0.1');
    sockets.add(upstream);
    let awaitingReply: Extract<Fault, { kind: 'reply' }> | undefined;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => {
      if (armed && chunk.toString('latin1').toLowerCase().includes(armed.marker)) {
        const fault = armed;
        armed = undefined;
        if (fault.kind === 'request') {
          cut();
          fault.done();
          return;
        }
        awaitingReply = fault;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (awaitingReply && awaitingReply.reply.test(chunk.toString('latin1'))) {
        cut();
        awaitingReply.done();
        awaitingReply = undefined;
        return;
      }
      client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', cut);
      socket.on('close', () => {
        sockets.delete(socket);
        cut();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');

  return {
    url: `redis://127.0.0.1:${address.port}`,
    loseReply: (marker, reply) => new Promise<void>((done) => (armed = { kind: 'reply', marker: marker.toLowerCase(), reply, done })),
    loseRequest: (marker) => new Promise<void>((done) => (armed = { kind: 'request', marker: marker.toLowerCase(), done })),
    refuseConnections(ms) {
      refuseUntil = Date.now() + ms;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
