import type { ImapFlow } from 'imapflow';
import type { MailboxConfig } from '../config/schema';
import { createImapClient, hierarchyDelimiter } from '../shared/imap';
import type { Logger } from '../shared/logger';
import { forgetFolders } from '../route/mailbox';

interface Conn {
  client: ImapFlow;
  delimiter: string;
}

/**
 * IMAP connections of a triage worker, per mailbox and role (separate from the poller's watching
 * connection): 'fetch' downloads sources while 'move' sets keywords and moves, so that the two batches
 * overlap instead of taking turns on one connection. A dropped connection is replaced on next use; the
 * job in hand fails transiently and BullMQ retries it.
 */
export type ImapRole = 'fetch' | 'move';
export class ImapPool {
  private readonly conns = new Map<string, Promise<Conn>>();

  constructor(
    private readonly mailboxes: readonly MailboxConfig[],
    private readonly log: Logger,
  ) {}

  mailbox(id: string): MailboxConfig {
    const mb = this.mailboxes.find((m) => m.id === id);
    if (!mb) throw new Error(`unknown mailbox "${id}"`);
    return mb;
  }

  async get(id: string, role: ImapRole = 'move'): Promise<Conn> {
    const key = `${id}\u0000${role}`;
    const existing = this.conns.get(key);
    if (existing) {
      const c = await existing.catch(() => null);
      if (c && c.client.usable) return c;
      this.conns.delete(key);
    }
    const p = this.open(id);
    this.conns.set(key, p);
    p.catch(() => this.conns.delete(key));
    return p;
  }

  /** Drop a connection after an IMAP error so that the retry starts from a clean one. */
  discard(id: string): void {
    for (const role of ['fetch', 'move'] as const) {
      const key = `${id}\u0000${role}`;
      const p = this.conns.get(key);
      this.conns.delete(key);
      p?.then((c) => {
        forgetFolders(c.client);
        c.client.close();
      }).catch(() => undefined);
    }
  }

  private async open(id: string): Promise<Conn> {
    const client = createImapClient(this.mailbox(id), this.log);
    client.on('error', (err: Error) => this.log.warn({ mailbox: id, err: err.message }, 'imap connection error (triage)'));
    await client.connect();
    return { client, delimiter: await hierarchyDelimiter(client) };
  }

  async close(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(all.map((p) => p.then((c) => c.client.logout().catch(() => c.client.close())).catch(() => undefined)));
  }
}
