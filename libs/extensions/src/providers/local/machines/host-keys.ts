import { sshPublicKeyProblem } from '@gardener-ts/api';
import { RootfsFileError, readRootfsFile } from './rootfs-files.js';

/** a public key line is far shorter (an RSA-16384 key is about 2.8 KiB) */
const MAX_PUBLIC_KEY_BYTES = 4096;

/**
 * The public host key at `path` in a container's disk as `<type> <base64> [comment]` (a comment
 * that is not one word of printable characters is dropped), or undefined when there is none or it
 * is not one valid key of a known type in a regular file: whatever else root inside the machine
 * put there is never published.
 */
export async function readPublicHostKey(root: string, path: string): Promise<string | undefined> {
  const text = await readRootfsFile(root, path, MAX_PUBLIC_KEY_BYTES).catch((error: unknown) => {
    if (error instanceof RootfsFileError) return undefined;
    throw error;
  });
  return text === undefined ? undefined : publicHostKeyOf(text);
}

/** `<type> <base64> [comment]` of one public key line, or undefined when the text is anything else. */
export function publicHostKeyOf(text: string): string | undefined {
  const line = text.endsWith('\n') ? text.slice(0, -1) : text;
  // one line, printable: no CR, NUL, escape sequences or second line anywhere, comment included
  if (!/^[\x20-\x7e]+$/.test(line)) return undefined;
  if (sshPublicKeyProblem(line) !== undefined) return undefined;
  const [type, blob, ...comment] = line.trim().split(/ +/);
  return comment.length === 1 && comment[0] ? `${type} ${blob} ${comment[0]}` : `${type} ${blob}`;
}
