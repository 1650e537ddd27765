/**
 * The baseline the gateway is measured against: the least a produce route over Redis Streams
 * can do. It takes the same v2 produce body and pipelines one `XADD <stream> * v <value>` per
 * record into ONE stream — no partitioning, no offsets, no validation — and answers the count.
 *
 * Run by bench/run.ts as a child process: PORT, REDIS_URL and STREAM from the environment.
 */
import Fastify from 'fastify';
import { Redis } from 'ioredis';

interface ProduceBody {
  records: Array<{ key?: unknown; value?: unknown }>;
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8083);
  const stream = process.env.STREAM ?? 'baseline:{produce}:log';
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
  // The gateway's v2 content type, parsed as plain JSON, so both servers get identical requests.
  app.addContentTypeParser('application/vnd.kafka.json.v2+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'));

  app.post<{ Body: ProduceBody }>('/topics/:topic', async (request) => {
    const pipeline = redis.pipeline();
    for (const record of request.body.records) pipeline.xadd(stream, '*', 'v', String(record.value));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error !== null);
    if (failed) throw failed[0];
    return { count: results.length };
  });

  const shutdown = () => {
    app.close().then(
      () => {
        redis.disconnect();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await app.listen({ port, host: '127.0.0.1' });
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
