import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { exampleCloudProfile, exampleProject, exampleSeed } from '@gardener-ts/api';
import { binary } from '@gardener-ts/infra/toolchain';
import { createTestDatabase } from '@gardener-ts/store';
import { stringify } from 'yaml';
import { type RunningServer, startServer } from './server.js';
import { AUTH, CORE } from './tenant-garden.js';

export { AUTH, CORE };

const run = promisify(execFile);

/** The users of the garden and, per project, its owner and the roles of its members. */
const USERS = ['stranger', 'dev-owner', 'dev-admin', 'dev-viewer', 'other-admin'] as const;
const PROJECTS = [
  { name: 'dev', owner: 'dev-owner', members: { 'dev-admin': 'admin', 'dev-viewer': 'viewer' } },
  { name: 'other', owner: 'other-admin', members: {} },
] as const;

export interface Answer {
  status: number;
  body: Record<string, unknown> & { items?: Array<Record<string, unknown> & { metadata: { name: string } }> };
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A garden API process over HTTPS (its own CA, as kubectl sends no bearer token to a plain-HTTP
 * server) on a database and data dir of its own, with cloud profile and seed `local`, and two
 * projects: dev (garden-dev) owned by `dev-owner` with `dev-admin` (admin) and `dev-viewer`
 * (viewer), other (garden-other) owned by `other-admin`; `stranger` has no role anywhere.
 * `admin` is the garden admin's token.
 */
export interface HttpsGarden {
  readonly server: RunningServer;
  /** The data dir (also where kubeconfigs and kubectl's caches go). */
  readonly dir: string;
  /** The garden's CA certificate (PEM). */
  readonly ca: string;
  /** Tokens by user name, `admin` for the garden admin; a test may add its own (e.g. a seed's). */
  readonly tokens: Record<string, string>;
  /**
   * One request as `token` (a name from `tokens`, or a raw token), trusting the CA. A Buffer body
   * is sent as it is, anything else as JSON; a content type of '' sends none.
   */
  call(token: string, method: string, path: string, body?: unknown, contentType?: string): Promise<Answer>;
  /** A user token for a new user name, kept in `tokens` under that name. */
  issueUser(user: string): Promise<string>;
  /** Creates a project (members: user name to role) and waits until the project controller made it Ready. */
  createProject(name: string, owner: string, members: Readonly<Record<string, string>>): Promise<void>;
  /** A seed credential (the gardenlet's token) for seed `seedName`, through a bootstrap token. */
  seedCredential(seedName: string): Promise<string>;
  /** A kubeconfig file for `user` (its token from `tokens`), trusting the CA, namespace garden-dev. */
  kubeconfig(user: string): string;
  /** The pinned kubectl as `user`, default flags. */
  kubectl(user: string, ...args: string[]): Promise<KubectlResult>;
  stop(): Promise<void>;
}

/** Throws unless the request created something (201). */
export async function created(answer: Promise<Answer>): Promise<Answer> {
  const settled = await answer;
  if (settled.status !== 201)
    throw new Error(`expected 201, got ${settled.status}: ${JSON.stringify(settled.body)}`);
  return settled;
}

/**
 * Starts the garden over HTTPS (no gardenlet) with its users and projects. `name` names the test
 * database and data dir; `env` adds to or overrides the server's environment.
 */
export async function startHttpsGarden(name: string, env: NodeJS.ProcessEnv = {}): Promise<HttpsGarden> {
  const db = await createTestDatabase(`gts_${name}`);
  const dir = mkdtempSync(join(tmpdir(), `gts-${name.replaceAll('_', '-')}-`));
  let server: RunningServer | undefined;
  const tokens: Record<string, string> = {};
  let ca = '';

  const stop = async () => {
    await server?.stop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  };

  const call: HttpsGarden['call'] = (token, method, path, body, contentType) => {
    const payload =
      body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { authorization: `Bearer ${tokens[token] ?? token}` };
    if (payload && contentType !== '') headers['content-type'] = contentType ?? 'application/json';
    return new Promise((resolve, reject) => {
      const req = httpsRequest(`${server?.url}${path}`, { method, headers, ca }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : {} }),
        );
      });
      req.on('error', reject);
      req.end(payload);
    });
  };

  const issueUser = async (user: string): Promise<string> => {
    const answer = await created(call('admin', 'POST', `${AUTH}/usertokens`, { spec: { user } }));
    const token = (answer.body.status as { token: string }).token;
    tokens[user] = token;
    return token;
  };

  const createProject: HttpsGarden['createProject'] = async (projectName, owner, members) => {
    const project = exampleProject(projectName);
    project.spec.owner = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: owner };
    project.spec.members = Object.entries(members).map(([user, role]) => ({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'User' as const,
      name: user,
      role,
    }));
    await created(call('admin', 'POST', `${CORE}/projects`, project));
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(25)) {
      const answer = await call('admin', 'GET', `${CORE}/projects/${projectName}`);
      if ((answer.body.status as { phase?: string } | undefined)?.phase === 'Ready') return;
    }
    throw new Error(`project ${projectName} not Ready`);
  };

  const seedCredential = async (seedName: string): Promise<string> => {
    const bootstrap = await created(
      call('admin', 'POST', `${AUTH}/seedbootstraptokens`, { spec: { seedName } }),
    );
    const token = (bootstrap.body.status as { token: string }).token;
    const credential = await created(call(token, 'POST', `${AUTH}/seedcredentials`, {}));
    return (credential.body.status as { token: string }).token;
  };

  const kubeconfig = (user: string): string => {
    const file = join(dir, `${user}.kubeconfig`);
    const cluster = { server: server?.url, 'certificate-authority-data': Buffer.from(ca).toString('base64') };
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'garden', cluster }],
      users: [{ name: user, user: { token: tokens[user] } }],
      contexts: [{ name: 'garden', context: { cluster: 'garden', user, namespace: 'garden-dev' } }],
      'current-context': 'garden',
    };
    writeFileSync(file, stringify(config, { lineWidth: 0 }), { mode: 0o600 });
    return file;
  };

  const kubectl = async (user: string, ...args: string[]): Promise<KubectlResult> => {
    const config = ['--kubeconfig', kubeconfig(user), '--cache-dir', join(dir, 'cache', user)];
    try {
      const { stdout, stderr } = await run(binary('kubectl'), [...config, ...args], { timeout: 30_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };

  try {
    server = await startServer({
      PORT: '0',
      DATABASE_URL: db.url,
      GARDENER_DATA_DIR: dir,
      GARDENER_TLS: 'on',
      ...env,
    });
    ca = readFileSync(join(dir, 'tls', 'ca.crt'), 'utf8');
    tokens.admin = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
    await created(call('admin', 'POST', `${CORE}/cloudprofiles`, exampleCloudProfile()));
    await created(call('admin', 'POST', `${CORE}/seeds`, exampleSeed()));
    for (const user of USERS) await issueUser(user);
    for (const project of PROJECTS) await createProject(project.name, project.owner, project.members);
  } catch (error) {
    await stop();
    throw error;
  }
  const running = server;
  return {
    server: running,
    dir,
    ca,
    tokens,
    call,
    issueUser,
    createProject,
    seedCredential,
    kubeconfig,
    kubectl,
    stop,
  };
}
