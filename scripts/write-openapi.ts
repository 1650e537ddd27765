/** Writes the OpenAPI document the gateway serves at /openapi.json to openapi/openapi.json. */
import { writeFileSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { MemoryStore } from '../src/log/memory-store.js';

const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { store: new MemoryStore() });
await app.ready();
const document = app.swagger();
writeFileSync(new URL('../openapi/openapi.json', import.meta.url), JSON.stringify(document, null, 2) + '\n');
await app.close();
console.log(`openapi/openapi.json: ${Object.keys(document.paths ?? {}).length} paths`);
