import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { writeGardenKubeconfig } from './bootstrap/kubeconfig.js';
import { ensureServingTls, usesTls } from './bootstrap/tls.js';
import { configFromEnv } from './config.js';
import { createApp } from './create-app.js';
import { createLogger } from './http/logging.js';
import { installProcessGuards } from './ops/process-guards.js';

const config = configFromEnv();
const logger = createLogger();
const tls = usesTls(config) ? await ensureServingTls(config) : undefined;
const app = await createApp(config, {
  logger,
  ...(tls ? { https: { cert: tls.certPem, key: tls.keyPem } } : {}),
});
app.enableShutdownHooks();
// Failures no request handler caught: see processGuards for why rejections are survived and exceptions are not.
installProcessGuards(logger, { shutdown: () => app.close() });
await app.listen({ port: config.port, host: config.host });
const address = app.getHttpServer().address() as AddressInfo;
const scheme = tls ? 'https' : 'http';
const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
const listening = `${scheme}://${host}:${address.port}`;
const wildcard = address.address === '0.0.0.0' || address.address === '::';
const server = config.publicUrl ?? (wildcard ? `${scheme}://127.0.0.1:${address.port}` : listening);
writeGardenKubeconfig(config.kubeconfigFile, {
  server,
  caPem: tls?.caPem,
  token: readFileSync(config.adminTokenFile, 'utf8').trim(),
});
// The first stdout line names the bound address (PORT=0 picks a free port; tests read it).
console.log(`gardener-api listening on ${listening}`);
logger.info(
  { url: listening, kubeconfig: config.kubeconfigFile },
  `garden kubeconfig (admin): ${config.kubeconfigFile}`,
);
