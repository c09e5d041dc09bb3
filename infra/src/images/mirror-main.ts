import { ImageErrorCode } from './errors.js';
import { createPullMirror } from './pull-mirror.js';
import { run } from './run.js';
import { MIRROR_IP, registryAddress, registryPort } from './settings.js';

/** Puts MIRROR_IP on the loopback interface (idempotent), so the mirror can bind to it alone. */
async function ensureMirrorAddress(): Promise<void> {
  await run('ip', ['addr', 'replace', `${MIRROR_IP}/32`, 'dev', 'lo'], {
    code: ImageErrorCode.PrerequisiteMissing,
    hint: 'the registry mirror needs root and iproute2',
  });
}

async function main(): Promise<void> {
  await ensureMirrorAddress();
  const server = createPullMirror(registryAddress());
  server.listen(registryPort(), MIRROR_IP, () => {
    console.log(`registry mirror: pulls from http://${MIRROR_IP}:${registryPort()} → ${registryAddress()}`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
