import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';

/**
 * The registry as machines see it: pulls only. A tenant's node may resolve and fetch manifests,
 * blobs and tag lists; it can neither push, delete nor list the catalog, and no header or query of
 * its request reaches the registry but those a pull needs.
 */
const PULL_PATH =
  /^\/v2\/(?:[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\/(?:manifests\/[A-Za-z0-9_][A-Za-z0-9_.:+-]{0,127}|blobs\/sha256:[a-f0-9]{64}|tags\/list))?$/;
const FORWARDED_REQUEST_HEADERS = ['accept', 'range', 'if-none-match'];
const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'docker-content-digest',
  'docker-distribution-api-version',
  'etag',
  'accept-ranges',
];
const MAX_CONNECTIONS = 512;

/** Whether a request is a pull the mirror forwards; the answer's status when it is not. */
export function refusal(method: string | undefined, url: string | undefined): number | undefined {
  if (method !== 'GET' && method !== 'HEAD') return 405;
  const path = (url ?? '').split('?', 1)[0] ?? '';
  return PULL_PATH.test(path) && !path.includes('..') ? undefined : 404;
}

/** A read-only HTTP front of the registry at `upstream` (host:port). */
export function createPullMirror(upstream: string): Server {
  const [host, port] = splitHostPort(upstream);
  const server = createServer((req, res) => forward(req, res, host, port));
  server.maxConnections = MAX_CONNECTIONS;
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  return server;
}

function forward(req: IncomingMessage, res: ServerResponse, host: string, port: number): void {
  const status = refusal(req.method, req.url);
  if (status !== undefined) {
    const code = status === 405 ? 'UNSUPPORTED' : 'NAME_UNKNOWN';
    const message = status === 405 ? 'this registry mirror serves pulls only' : 'not a pull path';
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(status === 405 ? { allow: 'GET, HEAD' } : {}),
    });
    res.end(JSON.stringify({ errors: [{ code, message }] }));
    return;
  }
  const path = (req.url ?? '/v2/').split('?', 1)[0];
  const headers = Object.fromEntries(
    FORWARDED_REQUEST_HEADERS.flatMap((name) => (req.headers[name] ? [[name, req.headers[name]]] : [])),
  );
  const upstream = httpRequest({ host, port, path, method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, pick(answer.headers, FORWARDED_RESPONSE_HEADERS));
    answer.pipe(res);
  });
  upstream.setTimeout(60_000, () => upstream.destroy(new Error('registry timed out')));
  upstream.on('error', () => {
    if (res.headersSent) res.destroy();
    else {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'the registry does not answer' }] }));
    }
  });
  req.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  upstream.end();
}

function pick(
  headers: IncomingMessage['headers'],
  names: readonly string[],
): Record<string, string | string[]> {
  return Object.fromEntries(names.flatMap((name) => (headers[name] ? [[name, headers[name]]] : [])));
}

function splitHostPort(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}
