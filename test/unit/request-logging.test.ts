import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { MemoryStore } from '../../src/log/memory-store.js';

/** The JSON log lines a gateway at LOG_LEVEL `level` writes while answering one request. */
async function logLines(level: string): Promise<Array<{ msg: string; level: number }>> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = await buildApp(loadConfig({ LOG_LEVEL: level }), { store: new MemoryStore(), logger: { level, stream } });
  try {
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
  } finally {
    await app.close();
  }
  return lines.map((line) => JSON.parse(line) as { msg: string; level: number });
}

describe('request logging', () => {
  // Above info, Fastify's request lines are switched off altogether (they would be dropped anyway); at info they must stay.
  it('logs every request at LOG_LEVEL=info', async () => {
    const messages = (await logLines('info')).map((line) => line.msg);
    expect(messages).toContain('incoming request');
    expect(messages).toContain('request completed');
  });
});
