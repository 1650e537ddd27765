import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { suiteRedis } from '../support/redis.js';

const CHROMIUM = '/usr/bin/chromium';

let redis: Awaited<ReturnType<typeof suiteRedis>>;
let gw: TestGateway;
let page: Server;
let browser: Browser;
let gatewayPort = 0;
let pagePort = 0;

/** The page a browser user would write: join a group over one WebSocket and render what arrives. */
const html = (port: number) => `<!doctype html>
<html><body>
<h1>orders</h1>
<ul id="records"></ul>
<script>
  window.received = [];
  const socket = new WebSocket('ws://127.0.0.1:${port}/ws');
  socket.onopen = () => socket.send(JSON.stringify({ type: 'subscribe', group: 'browser-tab', topics: ['browser-orders'], auto_offset_reset: 'earliest' }));
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type !== 'records') return;
    for (const record of message.records) {
      window.received.push(record.value);
      const item = document.createElement('li');
      item.textContent = record.partition + '/' + record.offset + ': ' + JSON.stringify(record.value);
      document.getElementById('records').appendChild(item);
    }
    socket.send(JSON.stringify({ type: 'commit' }));
  };
</script>
</body></html>`;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does.`);
  redis = await suiteRedis();
  gw = await startGateway({ redisUrl: redis.url });
  await gw.app.listen({ port: 0, host: '127.0.0.1' });
  gatewayPort = (gw.app.server.address() as { port: number }).port;
  page = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(html(gatewayPort)));
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pagePort = (page.address() as { port: number }).port;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => page?.close(resolve));
  await gw?.close();
  await redis?.stop();
});

describe('a browser page', () => {
  it('consumes over a WebSocket what curl produced', async () => {
    await gw.app.inject({ method: 'POST', url: `${gw.v3}/topics`, payload: { topic_name: 'browser-orders', partitions_count: 2 } });
    const curl = (body: object) =>
      promisify(execFile)('curl', [
        '-s',
        '-X',
        'POST',
        `http://127.0.0.1:${gatewayPort}/topics/browser-orders`,
        '-H',
        'Content-Type: application/vnd.kafka.json.v2+json',
        '-d',
        JSON.stringify(body),
      ]);
    const before = JSON.parse(
      (
        await curl({
          records: [
            { key: 'a', value: { item: 'book' } },
            { key: 'b', value: { item: 'pen' } },
          ],
        })
      ).stdout,
    );
    expect(before.offsets).toHaveLength(2);

    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${pagePort}/`);
    await tab.waitForFunction(() => (window as unknown as { received: unknown[] }).received.length >= 2, undefined, { timeout: 15_000 });

    // Records produced while the page is open arrive live.
    await curl({ records: [{ value: { item: 'ink' } }] });
    await tab.waitForFunction(() => (window as unknown as { received: unknown[] }).received.length >= 3, undefined, { timeout: 15_000 });
    const received = await tab.evaluate(() => (window as unknown as { received: Array<{ item: string }> }).received.map((v) => v.item).sort());
    expect(received).toEqual(['book', 'ink', 'pen']);
    expect(await tab.locator('#records li').count()).toBe(3);

    const file = join(mkdtempSync(join(tmpdir(), 'sg-e2e-')), 'page.png');
    await tab.screenshot({ path: file });
    expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
    await tab.close();
  });
});
