import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleCloudProfile, exampleProject, exampleSeed, type Project } from '@gardener-ts/api';
import { createTestDatabase } from '@gardener-ts/store';
import { type RunningServer, startServer } from './server.js';

export const CORE = '/apis/core.gardener.cloud/v1beta1';
export const AUTH = '/apis/auth.gardener-ts.io/v1alpha1';
export const MACHINES = '/apis/machine.sapcloud.io/v1alpha1';
export const OPERATIONS = '/apis/operations.gardener.cloud/v1alpha1';

/** The roles a tenant project gives its members; the owner is the project's `spec.owner`. */
const MEMBER_ROLES = ['admin', 'viewer', 'uam', 'serviceaccountmanager'] as const;

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { items?: Array<Record<string, unknown> & { metadata: { name: string } }> };
  text: string;
}

/**
 * A garden API process on a database of its own with two tenants, each a project whose users hold
 * every role: `<tenant>-owner`, `<tenant>-admin`, `<tenant>-viewer`, `<tenant>-uam`,
 * `<tenant>-serviceaccountmanager`, plus `stranger`, a user with no role anywhere. The tenants are
 * `dev` (namespace garden-dev) and `other` (garden-other). `admin` is the garden admin's token.
 */
export interface TenantGarden {
  readonly server: RunningServer;
  readonly dataDir: string;
  readonly databaseUrl: string;
  /** Tokens by user name, `admin` for the garden admin. */
  readonly tokens: Record<string, string>;
  /** A request as `user` (a name from `tokens`, or a raw token with `{ raw: true }`; undefined: no token). */
  call(
    user: string | undefined,
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<Answer>;
  /** A user token for a new user name (no role anywhere until a project names it). */
  issueUser(user: string): Promise<string>;
  /**
   * Waits until the project controller has made a new project Ready, so that its writes (phase,
   * observedGeneration) no longer change the project's resourceVersion under a test.
   */
  projectReady(name: string): Promise<void>;
  /** Stops the API process and starts a new one on the same database and data dir (`server` follows). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export const TENANTS = ['dev', 'other'] as const;

function tenantProject(tenant: string): Project {
  const project = exampleProject(tenant);
  project.spec.owner = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: `${tenant}-owner` };
  project.spec.members = MEMBER_ROLES.map((role) => ({
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'User' as const,
    name: `${tenant}-${role}`,
    role,
  }));
  return project;
}

/** A string is sent as it is (raw JSON or YAML); anything else as JSON, which YAML parsers read too. */
function encodeBody(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** Starts the garden (no gardenlet: shoots stay where admission leaves them) with both tenants. */
export async function startTenantGarden(name: string, env: NodeJS.ProcessEnv = {}): Promise<TenantGarden> {
  const db = await createTestDatabase(`gts_${name}`);
  const dataDir = mkdtempSync(join(tmpdir(), `gts-${name}-`));
  const serverEnv = {
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: db.url,
    GARDENER_DATA_DIR: dataDir,
    GARDENER_TLS: 'off',
    ...env,
  };
  let server = await startServer(serverEnv);
  const tokens: Record<string, string> = {
    admin: readFileSync(join(dataDir, 'admin.token'), 'utf8').trim(),
  };

  const call: TenantGarden['call'] = async (user, method, path, body, contentType = 'application/json') => {
    const headers: Record<string, string> = {};
    const token = user === undefined ? undefined : (tokens[user] ?? user);
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = contentType;
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: encodeBody(body) } : {}),
    });
    const text = await response.text();
    let parsed: Answer['body'] = {};
    try {
      parsed = text.startsWith('{') ? JSON.parse(text) : {};
    } catch {
      parsed = {};
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };

  const issueUser = async (user: string): Promise<string> => {
    const answer = await call('admin', 'POST', `${AUTH}/usertokens`, { spec: { user } });
    if (answer.status !== 201)
      throw new Error(`issuing a token for ${user}: ${answer.status} ${answer.text}`);
    const token = (answer.body.status as { token: string }).token;
    tokens[user] = token;
    return token;
  };

  const projectReady = async (name: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const project = await call('admin', 'GET', `${CORE}/projects/${name}`);
      if ((project.body.status as { phase?: string } | undefined)?.phase === 'Ready') return;
      if (Date.now() > deadline) throw new Error(`project ${name} not Ready: ${project.text}`);
      await sleep(25);
    }
  };

  const restart = async () => {
    await server.stop();
    server = await startServer(serverEnv);
  };

  const stop = async () => {
    await server.stop();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await call('admin', 'POST', `${CORE}/cloudprofiles`, exampleCloudProfile());
    await call('admin', 'POST', `${CORE}/seeds`, exampleSeed());
    await issueUser('stranger');
    for (const tenant of TENANTS) {
      await issueUser(`${tenant}-owner`);
      for (const role of MEMBER_ROLES) await issueUser(`${tenant}-${role}`);
      const created = await call('admin', 'POST', `${CORE}/projects`, tenantProject(tenant));
      if (created.status !== 201) throw new Error(`creating project ${tenant}: ${created.text}`);
    }
    for (const tenant of TENANTS) await projectReady(tenant);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    get server() {
      return server;
    },
    dataDir,
    databaseUrl: db.url,
    tokens,
    call,
    issueUser,
    projectReady,
    restart,
    stop,
  };
}
