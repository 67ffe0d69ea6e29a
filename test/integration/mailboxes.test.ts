/**
 * Several watched mailboxes: the same mail delivered to two watched addresses is one register entry
 * (two sightings), and each copy is filed in the same destination folder of its own mailbox. A
 * checkpoint from another UIDVALIDITY makes the poller rescan without doubling anything.
 */
import { Redis } from 'ioredis';
import { startPoller, startTriage, type Running } from '../../src/app/start';
import { loadConfig } from '../../src/config/load';
import { CheckpointStore } from '../../src/ingest/checkpoint';
import { createLogger } from '../../src/shared/logger';
import { appendAll, inventory, sampleMessages, waitFor } from '../helpers/pipeline';
import { cleanupRedisPrefix, newImapUser, tempFile, testQueuePrefix, testRedisUrl } from '../helpers/services';

const log = createLogger('warn');

test('same mail on two watched mailboxes → one register row, both copies filed alike; stale UIDVALIDITY → rescan without duplicates', async () => {
  const [a, b] = [await newImapUser(), await newImapUser()];
  const prefix = testQueuePrefix();
  const mailbox = (id: string, u: typeof a, env: string) => ({ id, host: u.host, port: u.port, secure: false, user: u.user, passwordEnv: env, folder: 'INBOX' });
  const config = loadConfig({
    env: { PW_A: a.password, PW_B: b.password, REDIS_URL: testRedisUrl(), AIG_REDIS_PREFIX: prefix, REGISTER_PATH: tempFile(`mb-${prefix}.sqlite`) },
    requirePassword: true,
    overrides: { mailboxes: [mailbox('contact', a, 'PW_A'), mailbox('courrier', b, 'PW_B')], poller: { sweepIntervalMs: 2000 }, worker: { backoffMs: 200 } },
  });
  const redis = new Redis(testRedisUrl());
  // A checkpoint left from another UIDVALIDITY (the server rebuilt its indexes, say).
  await new CheckpointStore(redis, prefix).set('contact', { uidValidity: '1', lastUid: 999 });
  const shared = sampleMessages(4).map((s) => s.source);
  await appendAll(a, shared);
  await appendAll(b, [shared[0], shared[1]]);
  const running: Running[] = [];
  try {
    const triage = await startTriage(config, log);
    running.push(triage);
    running.push(startPoller(config, log));
    const register = triage.register!;
    await waitFor('all six copies moved', () => register.counts().moved === 6, 60000);
    expect(register.counts()).toMatchObject({ items: 4, sources: 6, moved: 6 });
    const [invA, invB] = [await inventory(a), await inventory(b)];
    expect(invA.filter((m) => m.folder === 'INBOX')).toHaveLength(0);
    expect(invB.filter((m) => m.folder === 'INBOX')).toHaveLength(0);
    for (const m of invB) {
      const twin = invA.find((x) => x.messageId === m.messageId)!;
      expect(m.keywords).toEqual(twin.keywords);
      expect(m.folder).toBe(twin.folder);
    }
    const cp = await new CheckpointStore(redis, prefix).get('contact');
    expect(cp!.uidValidity).not.toBe('1');
  } finally {
    for (const r of running.reverse()) await r.stop();
    redis.disconnect();
    await cleanupRedisPrefix(testRedisUrl(), prefix);
  }
});
