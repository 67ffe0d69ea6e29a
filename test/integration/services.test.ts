/**
 * The services harness itself: the private Dovecot really serves IMAP with the features the
 * pipeline relies on (login, APPEND, SELECT, per-user isolation, CREATE, keywords, MOVE, IDLE),
 * and the Redis cleanup deletes only its own prefix.
 */
import { ImapFlow } from 'imapflow';
import { Redis } from 'ioredis';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureImap, imapAnswers, startDovecot } from '../../src/services/dovecot';
import { ensureRedis, redisAnswers } from '../../src/services/redis';
import { ServiceUnavailableError, findFreePort, findOrInstall } from '../../src/services/ensure';
import {
  type ImapTestUser,
  cleanupRedisPrefix,
  newImapUser,
  tempFile,
  testQueuePrefix,
  testRedisUrl,
} from '../helpers/services';

function client(u: ImapTestUser, extra: Partial<ConstructorParameters<typeof ImapFlow>[0]> = {}): ImapFlow {
  return new ImapFlow({
    host: u.host,
    port: u.port,
    secure: false,
    auth: { user: u.user, pass: u.password },
    logger: false,
    ...extra,
  });
}

function message(subject: string): string {
  return `From: sender@example.org\r\nTo: triage@example.org\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@test>\r\n\r\nbody\r\n`;
}

/** Run `fn` on a logged-in connection and always log out, even when an assertion fails. */
async function withClient<T>(u: ImapTestUser, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = client(u);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.logout().catch(() => undefined);
  }
}

describe('private Dovecot', () => {
  it('greets on the exported port and refuses a wrong password', async () => {
    const u = await newImapUser();
    expect(await imapAnswers(u.host, u.port)).toBe(true);
    const bad = client({ ...u, password: `${u.password}x` });
    await expect(bad.connect()).rejects.toThrow();
    bad.close();
  });

  it('accepts a new user, stores an APPEND and shows it on SELECT', async () => {
    const u = await newImapUser();
    const subject = `append-${Date.now()}`;
    await withClient(u, async (c) => {
      const appended = await c.append('INBOX', message(subject));
      expect(appended).toBeTruthy();
      const box = await c.mailboxOpen('INBOX');
      expect(box.exists).toBe(1);
      const [only] = await c.fetchAll('1:*', { envelope: true });
      expect(only?.envelope?.subject).toBe(subject);
    });
  });

  it('keeps each user to their own mailbox', async () => {
    const first = await newImapUser();
    const second = await newImapUser();
    await withClient(first, (c) => c.append('INBOX', message('private-to-first')));
    await withClient(second, async (c) => {
      const box = await c.mailboxOpen('INBOX');
      expect(box.exists).toBe(0);
      const list = await c.list();
      expect(list.map((m) => m.path)).toEqual(['INBOX']);
    });
  });

  it('supports CREATE, custom keywords and MOVE', async () => {
    const u = await newImapUser();
    await withClient(u, async (c) => {
      expect(c.capabilities.has('MOVE')).toBe(true);
      expect(await c.mailboxCreate('Triage')).toMatchObject({ created: true });
      await c.append('INBOX', message('to-move'), ['AigRouted']);
      const lock = await c.getMailboxLock('INBOX');
      try {
        expect(c.mailbox && c.mailbox.permanentFlags?.has('\\*')).toBe(true);
        await c.messageFlagsAdd('1:*', ['AigChecked']);
        await c.messageMove('1:*', 'Triage');
      } finally {
        lock.release();
      }
      const lockTriage = await c.getMailboxLock('Triage');
      try {
        const [moved] = await c.fetchAll('1:*', { flags: true });
        expect([...(moved?.flags ?? [])]).toEqual(expect.arrayContaining(['AigRouted', 'AigChecked']));
      } finally {
        lockTriage.release();
      }
      const inbox = await c.status('INBOX', { messages: true });
      expect(inbox && inbox.messages).toBe(0);
    });
  });

  it('notifies an IDLE connection of new mail within a few seconds', async () => {
    const u = await newImapUser();
    const watcher = client(u, { disableAutoIdle: true });
    await watcher.connect();
    try {
      await watcher.mailboxOpen('INBOX');
      const seen = new Promise<number>((resolve) => watcher.on('exists', (e: { count: number }) => resolve(e.count)));
      const idling = watcher.idle();
      const sentAt = Date.now();
      await withClient(u, (c) => c.append('INBOX', message('idle')));
      expect(await seen).toBe(1);
      // Measured ~0.5 s; 5 s catches a broken IDLE without flaking on a slow machine.
      expect(Date.now() - sentAt).toBeLessThan(5000);
      await watcher.noop(); // ends IDLE
      await idling.catch(() => undefined);
    } finally {
      await watcher.logout().catch(() => undefined);
    }
  });

  it('says no for a port where nothing listens', async () => {
    const port = await findFreePort();
    expect(await imapAnswers('127.0.0.1', port, 500)).toBe(false);
  });
});

describe('Redis for tests', () => {
  it('answers PING at the exported URL', async () => {
    expect(await redisAnswers(testRedisUrl())).toBe(true);
  });

  it('gives unique queue prefixes without ":"', () => {
    const prefixes = new Set(Array.from({ length: 50 }, () => testQueuePrefix()));
    expect(prefixes.size).toBe(50);
    for (const p of prefixes) expect(p).not.toContain(':');
  });

  it('cleanupRedisPrefix deletes only keys under its prefix', async () => {
    const url = testRedisUrl();
    const mine = testQueuePrefix();
    const other = testQueuePrefix();
    const redis = new Redis(url);
    try {
      // 1,500 keys so the SCAN loop needs several rounds; neighbours share the text but not the prefix.
      const pipeline = redis.pipeline();
      for (let i = 0; i < 1500; i += 1) pipeline.set(`${mine}:job:${i}`, 'x');
      pipeline.set(`${mine}x:near-miss`, 'keep').set(mine, 'keep').set(`${other}:job:1`, 'keep');
      await pipeline.exec();
      await cleanupRedisPrefix(url, mine);
      expect(await redis.exists(`${mine}:job:0`, `${mine}:job:1499`)).toBe(0);
      expect(await redis.exists(`${mine}x:near-miss`, mine, `${other}:job:1`)).toBe(3);
    } finally {
      await redis.del(`${mine}x:near-miss`, mine, `${other}:job:1`);
      redis.disconnect();
    }
  });

  it('cleanupRedisPrefix treats glob characters literally', async () => {
    const url = testRedisUrl();
    const base = testQueuePrefix();
    const redis = new Redis(url);
    try {
      await redis.set(`${base}-a:k`, 'keep');
      await cleanupRedisPrefix(url, `${base}-*`);
      expect(await redis.exists(`${base}-a:k`)).toBe(1);
    } finally {
      await redis.del(`${base}-a:k`);
      redis.disconnect();
    }
  });
});

describe('harness helpers', () => {
  it('tempFile gives distinct paths with the requested name in the run dir', () => {
    const a = tempFile('register.sqlite');
    const b = tempFile('register.sqlite');
    expect(a).not.toBe(b);
    expect(a.endsWith('/register.sqlite')).toBe(true);
    expect(existsSync(dirname(a))).toBe(true);
    writeFileSync(a, 'x');
    expect(existsSync(b)).toBe(false);
  });

  it('the unavailable-service error tells how to get the services', () => {
    const err = new ServiceUnavailableError('Redis does not answer.');
    expect(err.code).toBe('AIG_ERR_SERVICE');
    expect(err.message).toContain('apt-get install redis-server dovecot-imapd');
    expect(err.message).toContain('docker compose up -d redis dovecot');
  });
});

describe('when a service cannot be found', () => {
  it('findOrInstall stops with the how-to message instead of guessing', async () => {
    const attempt = findOrInstall('aig-no-such-server', 'aig-no-such-package', {
      allowInstall: false,
      why: 'Nothing answers.',
      log: () => undefined,
    });
    await expect(attempt).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(attempt).rejects.toThrow(/Nothing answers\. The aig-no-such-server binary is not installed\.\n[\s\S]*apt-get install redis-server dovecot-imapd/);
  });

  it('ensureRedis starts a private redis-server when the URL does not answer, and stop() removes it', async () => {
    const deadPort = await findFreePort();
    const service = await ensureRedis({ url: `redis://127.0.0.1:${deadPort}`, allowInstall: false });
    try {
      expect(service.started).toBe(true);
      expect(service.url).not.toBe(`redis://127.0.0.1:${deadPort}`);
      expect(await redisAnswers(service.url)).toBe(true);
    } finally {
      await service.stop();
    }
    expect(await redisAnswers(service.url, 300)).toBe(false);
  });

  it('ensureRedis uses a Redis that answers without starting anything', async () => {
    const service = await ensureRedis({ url: testRedisUrl() });
    expect(service).toMatchObject({ url: testRedisUrl(), started: false });
    await service.stop(); // must not stop the shared one
    expect(await redisAnswers(testRedisUrl())).toBe(true);
  });

  it('a second Dovecot runs beside the harness one without clashing', async () => {
    const harness = await newImapUser();
    const second = await startDovecot({});
    try {
      expect(second.port).not.toBe(harness.port);
      await second.addUser('solo', 'pw-solo');
      await withClient({ host: second.host, port: second.port, user: 'solo', password: 'pw-solo' }, async (c) => {
        expect((await c.mailboxOpen('INBOX')).exists).toBe(0);
      });
      // The harness user does not exist in the second instance.
      const stranger = client({ ...harness, port: second.port });
      await expect(stranger.connect()).rejects.toThrow();
      stranger.close();
    } finally {
      await second.stop();
    }
    expect(await imapAnswers(second.host, second.port, 300)).toBe(false);
    expect(existsSync(second.dir)).toBe(false);
    expect(await imapAnswers(harness.host, harness.port)).toBe(true);
  });
});

describe('an instance directory reused after a crash', () => {
  it('startDovecot ends the Dovecot left running in the same dir and starts a fresh one', async () => {
    const dir = dirname(tempFile('dovecot-marker'));
    const first = await startDovecot({ dir });
    // Simulate a demo killed without stop(): the first server keeps running.
    const second = await startDovecot({ dir });
    try {
      expect(second.started).toBe(true);
      expect(await imapAnswers(second.host, second.port)).toBe(true);
      if (first.port !== second.port) expect(await imapAnswers(first.host, first.port, 300)).toBe(false);
      await second.addUser('again', 'pw-again');
      await withClient({ host: second.host, port: second.port, user: 'again', password: 'pw-again' }, async (c) => {
        expect((await c.mailboxOpen('INBOX')).exists).toBe(0);
      });
    } finally {
      await second.stop();
      await first.stop(); // already gone: must be harmless
    }
    expect(existsSync(dir)).toBe(true); // a dir the caller gave is the caller's to remove
  });
});

describe('ensureImap (what the demo calls)', () => {
  it('uses the configured server when it greets, without claiming it', async () => {
    const harness = await newImapUser();
    const imap = await ensureImap({ host: harness.host, imapPort: harness.port });
    expect(imap).toMatchObject({ host: harness.host, port: harness.port, started: false });
    await expect(imap.addUser('someone', 'pw')).rejects.toThrow(/external IMAP server/);
    await imap.stop();
    expect(await imapAnswers(harness.host, harness.port)).toBe(true);
  });

  it('starts a private Dovecot when the configured server does not answer', async () => {
    const deadPort = await findFreePort();
    const notes: string[] = [];
    const imap = await ensureImap({ host: '127.0.0.1', imapPort: deadPort, log: (m) => notes.push(m) });
    try {
      expect(imap.started).toBe(true);
      expect(imap.port).not.toBe(deadPort);
      expect(notes.join('\n')).toContain(`127.0.0.1:${deadPort}`);
      expect(await imapAnswers(imap.host, imap.port)).toBe(true);
    } finally {
      await imap.stop();
    }
  });
});
