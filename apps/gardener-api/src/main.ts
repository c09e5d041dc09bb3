import type { AddressInfo } from 'node:net';
import { configFromEnv } from './config.js';
import { createApp } from './create-app.js';

const config = configFromEnv();
const app = await createApp(config);
app.enableShutdownHooks();
await app.listen({ port: config.port, host: config.host });
const address = app.getHttpServer().address() as AddressInfo;
// The first stdout line names the bound address (PORT=0 picks a free port; tests read it).
console.log(`gardener-api listening on http://${address.address}:${address.port}`);
