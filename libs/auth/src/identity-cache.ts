import pg from 'pg';
import type { Identity } from './identity.js';

/** PostgreSQL channel the auth_tokens trigger notifies on every revocation (a delete or change of rows). */
export const TOKENS_CHANGED_CHANNEL = 'gardener_ts_tokens_changed';

/** How long an authenticated token's identity is reused, as kube-apiserver caches token reviews. */
const TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  readonly identity: Identity;
  readonly expiresAt: Date | null;
  readonly at: number;
}

/**
 * Identities of recently authenticated tokens, by token hash, so that a request costs no
 * PostgreSQL round trip for its token. Revocations empty it at once: this process's own, and every
 * other API replica's through a notification (LISTEN on TOKENS_CHANGED_CHANNEL). While that
 * listener is not connected nothing is cached, so a replica never serves a revoked token from here.
 */
export class IdentityCache {
  private readonly entries = new Map<string, Entry>();
  private listener: pg.Client | undefined;
  private listening = false;
  private stopped = false;

  constructor(
    private readonly connection: pg.ClientConfig,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** Connects the revocation listener; until it is connected nothing is cached. */
  async start(): Promise<void> {
    const listener = new pg.Client(this.connection);
    this.listener = listener;
    listener.on('notification', () => this.clear());
    listener.on('error', () => this.lost(listener));
    listener.on('end', () => this.lost(listener));
    await listener.connect();
    await listener.query(`LISTEN ${TOKENS_CHANGED_CHANNEL}`);
    this.listening = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    this.clear();
    await this.listener?.end().catch(() => undefined);
  }

  get(hash: string, now: Date): Identity | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (Date.now() - entry.at > TTL_MS || (entry.expiresAt && entry.expiresAt <= now)) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.identity;
  }

  set(hash: string, identity: Identity, expiresAt: Date | null): void {
    if (!this.listening) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(hash, { identity, expiresAt, at: Date.now() });
  }

  clear(): void {
    this.entries.clear();
  }

  /** The listener went: cache nothing, and connect again after a pause. */
  private lost(listener: pg.Client): void {
    if (this.listener !== listener) return;
    this.listening = false;
    this.clear();
    if (this.stopped) return;
    this.log('token revocation listener lost; tokens are looked up every request until it is back');
    this.listener = undefined;
    setTimeout(() => {
      if (!this.stopped) this.start().catch(() => this.lost(this.listener ?? listener));
    }, 1000).unref();
  }
}
