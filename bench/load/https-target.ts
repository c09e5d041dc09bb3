/**
 * A server the API benchmarks drive over HTTPS with a bearer token (undici): one pool of keep-alive
 * connections for requests, another for long-lived watches.
 */
import { Agent, type Dispatcher, request } from 'undici';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

export interface TargetOptions {
  /** https://host:port */
  readonly url: string;
  readonly token: string;
  /** PEM of the CA that signed the server's certificate */
  readonly caPem: string;
}

const CONTENT_TYPES = { json: 'application/json', merge: 'application/merge-patch+json' } as const;

export class HttpsTarget {
  readonly url: string;
  private readonly requests: Agent;
  private readonly watches: Agent;
  private readonly authorization: string;

  constructor(options: TargetOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.authorization = `Bearer ${options.token}`;
    const connect = { ca: options.caPem };
    this.requests = new Agent({ connect, connections: 256, keepAliveTimeout: 30_000 });
    this.watches = new Agent({ connect, connections: null, bodyTimeout: 0, headersTimeout: 30_000 });
  }

  /** One request; the body is read whole (JSON in, text out). */
  async call(
    method: Dispatcher.HttpMethod,
    path: string,
    body?: unknown,
    type: keyof typeof CONTENT_TYPES = 'json',
  ): Promise<Answer> {
    const res = await request(`${this.url}${path}`, {
      method,
      dispatcher: this.requests,
      headers: {
        authorization: this.authorization,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': CONTENT_TYPES[type] }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, body: await res.body.text() };
  }

  /** Like call, but throws unless the status is `expected`. */
  async must(method: Dispatcher.HttpMethod, path: string, expected: number, body?: unknown): Promise<string> {
    const answer = await this.call(method, path, body);
    if (answer.status !== expected)
      throw new Error(
        `${method} ${path}: ${answer.status} (wanted ${expected}): ${answer.body.slice(0, 500)}`,
      );
    return answer.body;
  }

  /**
   * Opens a watch; `onLine` gets every newline-delimited event as text. Resolves once the server
   * answered with headers; abort `signal` to close it.
   */
  async watch(path: string, signal: AbortSignal, onLine: (line: string) => void): Promise<void> {
    const res = await request(`${this.url}${path}`, {
      method: 'GET',
      dispatcher: this.watches,
      signal,
      headers: { authorization: this.authorization, accept: 'application/json' },
    });
    if (res.statusCode !== 200) throw new Error(`watch ${path}: ${res.statusCode} ${await res.body.text()}`);
    let rest = '';
    res.body.setEncoding('utf8');
    res.body.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) onLine(line);
    });
    res.body.on('error', () => {
      // aborted at the end of the phase
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.requests.destroy(), this.watches.destroy()]);
  }
}
