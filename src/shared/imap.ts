import { ImapFlow } from 'imapflow';
import type { MailboxConfig } from '../config/schema';
import type { Logger as ImapLogger } from 'imapflow';
import type { Logger } from './logger';

/**
 * Build (not connect) an imapflow client for a configured mailbox. imapflow's own debug logging is
 * routed to our pino logger at warn level and above only: at debug it prints message contents.
 */
export function createImapClient(mb: MailboxConfig, log: Logger, extra: { disableAutoIdle?: boolean } = {}): ImapFlow {
  const imapLog = log.child({ stage: 'imap', mailbox: mb.id });
  const quiet = () => undefined;
  // Only warnings and errors are wanted. imapflow consults isLevelEnabled (not in its Logger type)
  // and, without it, takes every level this object has a method for as enabled: it then serialises
  // every command and every server response back to text for a debug line that `quiet` throws away
  // (measured: a tenth of the triage worker's CPU).
  const imapLogger: ImapLogger & { isLevelEnabled(level: string): boolean } = {
    isLevelEnabled: (level: string) => level === 'warn' || level === 'error' || level === 'fatal',
    debug: quiet,
    info: quiet,
    warn: (o: unknown) => imapLog.warn({ imap: pickMsg(o) }, 'imap warning'),
    error: (o: unknown) => imapLog.error({ imap: pickMsg(o) }, 'imap error'),
  };
  return new ImapFlow({
    host: mb.host,
    port: mb.port,
    secure: mb.secure,
    auth: { user: mb.user, pass: mb.password ?? '' },
    // Plain IMAP only on loopback (tests, demo, a local Dovecot). Anywhere else `secure: false` means
    // STARTTLS is required: a password or a citizen's mail never crosses a network in clear.
    doSTARTTLS: isLoopback(mb.host) ? false : mb.secure ? undefined : true,
    tls: { rejectUnauthorized: !isLoopback(mb.host) },
    disableAutoIdle: extra.disableAutoIdle ?? true,
    logger: imapLogger,
    // Keep a dead connection from hanging a job for minutes.
    socketTimeout: 5 * 60 * 1000,
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function pickMsg(o: unknown): string {
  if (o && typeof o === 'object') {
    const r = o as Record<string, unknown>;
    return String(r.msg ?? r.message ?? (r.err as Error | undefined)?.message ?? '');
  }
  return String(o);
}

/** The server's hierarchy delimiter (Dovecot's default is '.'). */
export async function hierarchyDelimiter(client: ImapFlow): Promise<string> {
  const ns = client.namespace as { delimiter?: string } | undefined;
  if (ns?.delimiter) return ns.delimiter;
  const list = await client.list();
  return list.find((l) => l.delimiter)?.delimiter ?? '/';
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
