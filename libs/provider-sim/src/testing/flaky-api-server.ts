// A small HTTPS server that answers the few calls of the sim driver as a kube-apiserver would
// (mutual TLS, Nodes and Leases kept in memory, 201/200/404/409) and fails on demand the way a
// loaded one does: stalls past the client's timeout, resets the connection, answers 429 or 5xx.
// For this package's tests only. Not exported.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createCertificateAuthority, issueCertificate } from '@gardener-ts/pki';
import type { ShootAccess } from '../dependencies.js';

export type Fault =
  /** read the request, never answer (the client times out) */
  | { readonly kind: 'stall'; readonly afterStoring?: boolean }
  /** close the connection without an answer (the client sees ECONNRESET) */
  | { readonly kind: 'reset' }
  /** answer with this status, as a Status object */
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds?: number };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly at: number;
}

interface PlannedFault {
  readonly method: string;
  readonly pathPrefix: string;
  readonly fault: Fault;
  times: number;
}

export class FlakyApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly objects = new Map<string, Record<string, unknown>>();
  private readonly faults: PlannedFault[] = [];
  private readonly sockets = new Set<Socket>();
  private uid = 0;

  private constructor(
    private readonly server: Server,
    readonly access: ShootAccess,
  ) {}

  static async start(): Promise<FlakyApiServer> {
    const ca = await createCertificateAuthority({ commonName: 'flaky-api-ca' });
    const serving = await issueCertificate(ca, {
      commonName: 'flaky-api',
      usage: 'server',
      hosts: ['127.0.0.1'],
    });
    const client = await issueCertificate(ca, {
      commonName: 'sim',
      organizations: ['system:masters'],
      usage: 'client',
    });
    const server = createServer({
      ca: ca.certPem,
      cert: serving.certPem,
      key: serving.keyPem,
      requestCert: true,
      rejectUnauthorized: true,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const access = {
      server: `https://127.0.0.1:${port}`,
      caPem: ca.certPem,
      certPem: client.certPem,
      keyPem: client.keyPem,
    };
    const flaky = new FlakyApiServer(server, access);
    server.on('secureConnection', (socket: Socket) => {
      flaky.sockets.add(socket);
      socket.on('close', () => flaky.sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      flaky.handle(req, res).catch(() => res.destroy());
    });
    return flaky;
  }

  /** The next `times` requests of this method whose path starts with `pathPrefix` meet `fault`. */
  fail(method: string, pathPrefix: string, fault: Fault, times = 1): void {
    this.faults.push({ method, pathPrefix, fault, times });
  }

  requestsTo(method: string, pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  has(path: string): boolean {
    return this.objects.has(path);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    this.requests.push({ method, path: url.pathname, at: Date.now() });
    const body =
      chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
    const planned = this.faults.find(
      (f) => f.times > 0 && f.method === method && url.pathname.startsWith(f.pathPrefix),
    );
    if (planned) planned.times -= 1;
    const fault = planned?.fault;
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
      send(res, fault.status, status(fault.status, 'injected fault'), headers);
      return;
    }
    if (fault?.kind === 'stall') {
      if (fault.afterStoring) this.answer(method, url, body);
      return; // the socket stays open without an answer
    }
    const [code, answer] = this.answer(method, url, body);
    send(res, code, answer);
  }

  /** What a kube-apiserver does with the driver's calls, for Nodes and Leases. */
  private answer(method: string, url: URL, body: unknown): [number, unknown] {
    const path = url.pathname;
    if (method === 'GET' && url.searchParams.has('labelSelector')) {
      const items = [...this.objects.entries()]
        .filter(([key]) => key.startsWith(`${path}/`))
        .map(([, o]) => o);
      return [200, { kind: 'List', items }];
    }
    if (method === 'POST') {
      const object = body as { metadata: { name: string } };
      const key = `${path}/${object.metadata.name}`;
      if (this.objects.has(key)) return [409, status(409, `${key} already exists`)];
      const stored = { ...object, metadata: { ...object.metadata, uid: `uid-${++this.uid}` } };
      this.objects.set(key, stored);
      return [201, stored];
    }
    const key = path.replace(/\/status$/, '');
    const existing = this.objects.get(key);
    if (!existing) return [404, status(404, `${key} not found`)];
    if (method === 'GET') return [200, existing];
    if (method === 'DELETE') {
      this.objects.delete(key);
      return [200, existing];
    }
    return [200, existing]; // PATCH: the sim's patches need not be applied for these tests
  }
}

function status(code: number, message: string) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code };
}

function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
