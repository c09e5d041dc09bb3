import { ImageErrorCode } from './errors.js';
import { createPullMirror } from './pull-mirror.js';
import { run } from './run.js';
import { MIRROR_INTERFACE, MIRROR_IP, registryAddress, registryPort } from './settings.js';

/** Puts MIRROR_IP on a dummy interface of its own (idempotent), so the mirror can bind to it alone. */
async function ensureMirrorAddress(): Promise<void> {
  const options = {
    code: ImageErrorCode.PrerequisiteMissing,
    hint: 'the registry mirror needs root and iproute2',
  };
  const present = await run('ip', ['link', 'show', MIRROR_INTERFACE]).then(
    () => true,
    () => false,
  );
  if (!present) await run('ip', ['link', 'add', MIRROR_INTERFACE, 'type', 'dummy'], options);
  await run('ip', ['addr', 'replace', `${MIRROR_IP}/32`, 'dev', MIRROR_INTERFACE], options);
  await run('ip', ['link', 'set', MIRROR_INTERFACE, 'up'], options);
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
