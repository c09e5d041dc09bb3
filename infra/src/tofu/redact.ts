const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s]+@/gi;
export const REDACTED = '[REDACTED]';

/** Removes private keys, URL passwords and the given literal secrets from text meant for logs. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let result = text.replace(PEM_PRIVATE_KEY, REDACTED).replace(URL_PASSWORD, `$1${REDACTED}@`);
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  return result;
}
