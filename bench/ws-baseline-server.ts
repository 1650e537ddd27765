/**
 * The WebSocket baseline: the least a relay of one Redis stream to WebSocket clients can do.
 * `POST /topics/:topic` pipelines one `XADD <stream> * v <value>` per record (the same body as the
 * gateway's v2 produce; every topic goes to the one stream); one `XREAD BLOCK` loop reads the
 * stream and sends each batch as one JSON message to every connected socket — one socket in the
 * group case of bench/ws.ts, a broadcast to all of them in the fan-out case. No groups, offsets,
 * credit or validation. PORT, REDIS_URL from the environment.
 */
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import type { WebSocket } from 'ws';

const stream = 'baseline:{ws}:log';
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const reader = redis.duplicate();
const sockets = new Set<WebSocket>();
const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
app.addContentTypeParser('application/vnd.kafka.json.v2+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'));
await app.register(websocket);
app.get('/ws', { websocket: true }, (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
app.post<{ Body: { records: Array<{ value?: unknown }> } }>('/topics/:topic', async (request) => {
  const pipeline = redis.pipeline();
  for (const record of request.body.records) pipeline.xadd(stream, '*', 'v', JSON.stringify(record.value));
  await pipeline.exec();
  return { count: request.body.records.length };
});
await app.listen({ port: Number(process.env.PORT ?? 8085), host: '127.0.0.1' });
// A clean exit on SIGTERM, so a CPU profile (BENCH_CPU_PROF=1) gets written.
process.on('SIGTERM', () => process.exit(0));

let last = '$';
for (;;) {
  const reply = (await reader.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', stream, last)) as Array<[string, Array<[string, string[]]>]> | null;
  if (!reply) continue;
  const entries = reply[0][1];
  last = entries[entries.length - 1][0];
  const text = JSON.stringify({ type: 'records', records: entries.map(([id, fields]) => ({ offset: id, value: JSON.parse(fields[1]) })) });
  for (const socket of sockets) socket.send(text);
}
