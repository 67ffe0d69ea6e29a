/** Regression: with the IMAP server down, the poller retries with exponential backoff instead of
 *  reconnecting in a tight loop (the dropped connection's wake-up used to cancel the backoff). */
import { Writable } from 'node:stream';
import { startPoller } from '../../src/app/start-poller';
import { loadConfig } from '../../src/config/load';
import { findFreePort } from '../../src/services/ensure';
import { createLogger } from '../../src/shared/logger';
import { cleanupRedisPrefix, tempFile, testQueuePrefix, testRedisUrl } from '../helpers/services';

test('an unreachable IMAP server is retried with exponential backoff', async () => {
  const prefix = testQueuePrefix();
  const port = await findFreePort(); // nothing listens there
  const config = loadConfig({
    env: { REDIS_URL: testRedisUrl(), AIG_REDIS_PREFIX: prefix, IMAP_HOST: '127.0.0.1', IMAP_PORT: String(port), IMAP_PASSWORD: 'x', REGISTER_PATH: tempFile(`backoff-${prefix}.sqlite`) },
    requirePassword: true,
    overrides: { poller: { reconnectMinMs: 400, reconnectMaxMs: 5000 } },
  });
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
  const poller = startPoller(config, createLogger('warn', sink));
  await new Promise((r) => setTimeout(r, 3000));
  await poller.stop();
  await cleanupRedisPrefix(testRedisUrl(), prefix);
  const failures = lines.filter((l) => l.includes('mailbox connection failed')).map((l) => JSON.parse(l) as { retryInMs: number });
  // Attempts at about 0, 0.4, 1.2 and 2.8 s: three or four in 3 s, with doubling delays.
  expect(failures.length).toBeGreaterThanOrEqual(3);
  expect(failures.length).toBeLessThanOrEqual(4);
  expect(failures.slice(0, 3).map((f) => f.retryInMs)).toEqual([400, 800, 1600]);
});
