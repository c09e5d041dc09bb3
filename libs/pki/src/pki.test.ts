import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ADMIN_GROUP,
  type CertAndKey,
  createCertificateAuthority,
  describeCertificate,
  ensureControlPlanePki,
  generateControlPlanePki,
  issueCertificate,
  issueShortLivedKubeconfig,
  LEAF_NAMES,
  leafSpecs,
  MAX_KUBECONFIG_EXPIRATION_SECONDS,
  PkiError,
  readControlPlanePki,
  VIEWER_GROUP,
} from './index.js';

const scratch = mkdtempSync(join(tmpdir(), 'gardener-ts-pki-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let fileCounter = 0;
function file(content: string): string {
  const path = join(scratch, `f${fileCounter++}.pem`);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

/** openssl's own verdict: chain, purpose and key match. */
function opensslVerify(ca: CertAndKey, leaf: CertAndKey, purpose: 'sslserver' | 'sslclient'): string {
  const out = execFileSync(
    'openssl',
    ['verify', '-purpose', purpose, '-CAfile', file(ca.certPem), file(leaf.certPem)],
    { encoding: 'utf8' },
  );
  const certKey = execFileSync('openssl', ['x509', '-noout', '-pubkey', '-in', file(leaf.certPem)], {
    encoding: 'utf8',
  });
  const keyKey = execFileSync('openssl', ['pkey', '-pubout', '-in', file(leaf.keyPem)], { encoding: 'utf8' });
  expect(certKey).toBe(keyKey);
  return out;
}

const options = {
  clusterName: 'shoot--dev--demo',
  apiServerHosts: ['10.10.7.1', 'api.demo.example'],
  serviceIP: '100.104.0.1',
};

describe('control-plane PKI', () => {
  it('issues every certificate from the right CA, for the right purpose', async () => {
    const pki = await generateControlPlanePki(options);
    const specs = leafSpecs(options);
    for (const name of LEAF_NAMES) {
      const [caName, spec] = specs[name];
      const leaf = pki.leaves[name];
      const purpose = spec.usage === 'client' ? 'sslclient' : 'sslserver';
      expect(opensslVerify(pki.cas[caName], leaf, purpose), name).toMatch(/: OK/);
      if (spec.usage === 'peer') expect(opensslVerify(pki.cas[caName], leaf, 'sslclient')).toMatch(/: OK/);
    }
    for (const ca of Object.values(pki.cas)) expect(describeCertificate(ca.certPem).isCA).toBe(true);
  });

  it('puts the caller-given address, the service IP and the in-cluster names in the apiserver SANs', async () => {
    const pki = await generateControlPlanePki(options);
    const info = describeCertificate(pki.leaves.apiserver.certPem);
    expect(info.ipAddresses).toEqual(expect.arrayContaining(['10.10.7.1', '100.104.0.1', '127.0.0.1']));
    expect(info.dnsNames).toEqual(
      expect.arrayContaining(['api.demo.example', 'kubernetes.default.svc.cluster.local', 'localhost']),
    );
    const text = execFileSync(
      'openssl',
      ['x509', '-noout', '-ext', 'subjectAltName', '-in', file(pki.leaves.apiserver.certPem)],
      {
        encoding: 'utf8',
      },
    );
    expect(text).toContain('IP Address:10.10.7.1');
    expect(describeCertificate(pki.leaves.admin.certPem).organizations).toEqual([ADMIN_GROUP]);
    expect(describeCertificate(pki.leaves['kube-scheduler'].certPem).commonName).toBe(
      'system:kube-scheduler',
    );
  });

  it('writes keys 0600 in a 0700 directory and keeps CAs across redeploys', async () => {
    const dir = join(scratch, 'pki');
    const first = await ensureControlPlanePki(dir, options);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.key')).length).toBe(LEAF_NAMES.length + 3 + 1);
    for (const f of files) {
      const mode = statSync(join(dir, f)).mode & 0o777;
      expect(mode, f).toBe(f.endsWith('.key') ? 0o600 : 0o644);
    }
    const again = await ensureControlPlanePki(dir, options);
    expect(again).toEqual(first);
    expect(readControlPlanePki(dir)).toEqual(first);

    // A new address re-issues the leaves from the same CAs, and keeps the service-account key.
    const moved = await ensureControlPlanePki(dir, { ...options, apiServerHosts: ['10.10.8.1'] });
    expect(moved.cas).toEqual(first.cas);
    expect(moved.serviceAccount).toEqual(first.serviceAccount);
    expect(describeCertificate(moved.leaves.apiserver.certPem).ipAddresses).toContain('10.10.8.1');
    expect(opensslVerify(first.cas.ca, moved.leaves.apiserver, 'sslserver')).toMatch(/: OK/);
  });

  it('never issues a certificate that outlives its CA', async () => {
    const ca = await createCertificateAuthority({ commonName: 'short', validitySeconds: 3600 });
    const leaf = await issueCertificate(ca, { commonName: 'x', usage: 'client', validitySeconds: 86_400 });
    expect(describeCertificate(leaf.certPem).notAfter.getTime()).toBeLessThanOrEqual(
      describeCertificate(ca.certPem).notAfter.getTime(),
    );
  });
});

describe('short-lived kubeconfigs', () => {
  it('caps the expiration at 24 h and renders a self-contained kubeconfig', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ca' });
    const now = new Date('2030-01-01T00:00:00Z');
    const issued = await issueShortLivedKubeconfig({
      ca,
      clusterName: 'demo',
      server: 'https://10.10.7.1:6443',
      role: 'admin',
      user: 'alice@example.com',
      expirationSeconds: 7 * 86_400,
      now,
    });
    expect(issued.expirationSeconds).toBe(MAX_KUBECONFIG_EXPIRATION_SECONDS);
    expect(issued.expirationTimestamp.toISOString()).toBe('2030-01-02T00:00:00.000Z');
    const config = parse(issued.kubeconfig);
    expect(config['current-context']).toBe('demo');
    expect(config.clusters[0].cluster.server).toBe('https://10.10.7.1:6443');
    const certPem = Buffer.from(config.users[0].user['client-certificate-data'], 'base64').toString();
    const info = describeCertificate(certPem);
    expect(info.commonName).toBe('alice@example.com');
    expect(info.organizations).toEqual([ADMIN_GROUP]);
    expect(info.notAfter.toISOString()).toBe('2030-01-02T00:00:00.000Z');
  });

  it('gives viewers the viewer group, and refuses nonsense', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ca' });
    const base = { ca, clusterName: 'demo', server: 'https://127.0.0.1:1', user: 'bob' };
    const viewer = await issueShortLivedKubeconfig({ ...base, role: 'viewer' });
    expect(viewer.expirationSeconds).toBe(3600);
    const certPem = Buffer.from(parse(viewer.kubeconfig).users[0].user['client-certificate-data'], 'base64');
    expect(describeCertificate(certPem.toString()).organizations).toEqual([VIEWER_GROUP]);
    await expect(issueShortLivedKubeconfig({ ...base, role: 'admin', expirationSeconds: 0 })).rejects.toThrow(
      PkiError,
    );
    await expect(
      issueShortLivedKubeconfig({ ...base, role: 'admin', expirationSeconds: 1.5 }),
    ).rejects.toThrow(PkiError);
  });
});
