import { SearchError, SearchErrorCode } from './errors.js';

/** Where a page ended: the last row's sort key (project namespace, shoot, namespace, name). */
export type SortKey = readonly [string, string, string, string];

export function encodeContinue(key: SortKey): string {
  return Buffer.from(JSON.stringify({ v: 1, k: key })).toString('base64url');
}

/** A token this server made, or a SearchError: a client's edited token is refused, not trusted. */
export function decodeContinue(token: string): SortKey {
  const invalid = () =>
    new SearchError(
      SearchErrorCode.InvalidContinue,
      'continue token is not valid: list again from the start',
    );
  if (token.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const key = (parsed as { v?: unknown; k?: unknown } | null)?.k;
  if (
    (parsed as { v?: unknown }).v !== 1 ||
    !Array.isArray(key) ||
    key.length !== 4 ||
    !key.every((part) => typeof part === 'string' && part.length <= 253)
  )
    throw invalid();
  return key as unknown as SortKey;
}
