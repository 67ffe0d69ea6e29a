/**
 * Soak: the long variant of the reliability suite (`npm run soak`). Several rounds of messages go
 * through a poller process and two triage worker processes while a seeded chaos loop injects faults
 * at random: worker SIGKILL (restarted), Redis SIGKILL (AOF, restarted), IMAP connections cut by a
 * proxy, the register locked by another process. At the end it prints the figures and exits 1 on
 * any loss or duplicate. Bounded: SOAK_ROUNDS × SOAK_MESSAGES messages, SOAK_TIMEOUT_S at most.
 * Everything it starts (Redis, Dovecot, children) is private and stopped at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDovecot } from '../src/services/dovecot';
import { sleep } from '../src/services/ensure';
import { assertRunning, holdExclusiveLock, killChild, POLLER_JS, PrivateRedis, spawnEntry, TcpProxy, WORKER_JS, type Child } from '../test/helpers/faults';
import { ROOT_DIR } from '../src/config/load';
import { appendAll } from '../test/helpers/pipeline';
import { newImapUser, TEST_ENV } from '../test/helpers/services';
import { faultEnv } from '../test/reliability/lib/env';
import { figures, registerCounts, report } from '../test/reliability/lib/figures';
import { prng } from '../test/reliability/lib/hostile';

const ROUNDS = Number(process.env.SOAK_ROUNDS ?? 10);
const PER_ROUND = Number(process.env.SOAK_MESSAGES ?? 150);
const SEED = Number(process.env.SOAK_SEED ?? 42);
const TIMEOUT_S = Number(process.env.SOAK_TIMEOUT_S ?? 600);

/** The shipped samples and held-out corpus (read from the repository, also when run from dist/). */
function samples(): Buffer[] {
  return ['samples', 'heldout']
    .map((d) => path.join(ROOT_DIR, 'config', d))
    .flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.eml')).sort().map((f) => fs.readFileSync(path.join(d, f))));
}

/** Distinct copies of the shipped samples: a fresh Message-ID per copy. */
function batch(round: number, n: number): Buffer[] {
  const base = samples();
  return Array.from({ length: n }, (_, i) => {
    const text = base[(round * n + i) % base.length].toString('latin1');
    const id = `<soak-${SEED}-${round}-${i}@aiguillage.test>`;
    const out = /^Message-ID:.*$/im.test(text) ? text.replace(/^Message-ID:.*$/im, `Message-ID: ${id}`) : `Message-ID: ${id}\r\n${text}`;
    return Buffer.from(out, 'latin1');
  });
}

type Fault = 'kill-worker' | 'restart-redis' | 'cut-imap' | 'lock-register';

async function main(): Promise<number> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `aig-test-${process.pid}-soak-`));
  fs.chmodSync(runDir, 0o711);
  process.env[TEST_ENV.runDir] = runDir;
  const dovecot = await startDovecot({ dir: path.join(runDir, 'dovecot'), allowInstall: false });
  const redis = await PrivateRedis.start(path.join(runDir, 'redis'), { aof: true });
  Object.assign(process.env, { [TEST_ENV.redisUrl]: redis.url, [TEST_ENV.imapHost]: dovecot.host, [TEST_ENV.imapPort]: String(dovecot.port), [TEST_ENV.dovecotDir]: dovecot.dir });
  const user = await newImapUser();
  const proxy = await TcpProxy.start(user.host, user.port);
  const p = await faultEnv('soak', { redisUrl: redis.url, user, imapPort: proxy.port, overrides: { worker: { concurrency: 8 } } });
  const workers: Child[] = [spawnEntry(WORKER_JS, p.env), spawnEntry(WORKER_JS, p.env)];
  let poller = spawnEntry(POLLER_JS, p.env);
  const faults: Record<Fault, number> = { 'kill-worker': 0, 'restart-redis': 0, 'cut-imap': 0, 'lock-register': 0 };
  const rnd = prng(SEED);
  const started = Date.now();
  let total = 0;
  let done = false;
  const chaos = (async () => {
    const kinds = Object.keys(faults) as Fault[];
    while (!done) {
      await sleep(1500 + rnd() * 2500);
      if (done) break;
      const kind = kinds[Math.floor(rnd() * kinds.length)];
      faults[kind]++;
      if (kind === 'kill-worker') {
        const slot = Math.floor(rnd() * workers.length);
        await killChild(workers[slot]);
        workers[slot] = spawnEntry(WORKER_JS, p.env);
      } else if (kind === 'restart-redis') await redis.restart(500 + rnd() * 1500);
      else if (kind === 'cut-imap') proxy.cutAll();
      else await holdExclusiveLock(p.registerPath, 1000 + rnd() * 2000).then((l) => l.released);
    }
  })();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const sources = batch(round, PER_ROUND);
      await appendAll(user, sources);
      total += sources.length;
      process.stdout.write(`[soak] round ${round + 1}/${ROUNDS}: ${total} appended, ${registerCounts(p.registerPath).moved} moved\n`);
      await sleep(2000);
    }
    const deadline = started + TIMEOUT_S * 1000;
    while (registerCounts(p.registerPath).moved < total && Date.now() < deadline) {
      if (!poller.alive()) poller = spawnEntry(POLLER_JS, p.env);
      assertRunning(workers);
      await sleep(500);
    }
    done = true;
    await chaos;
    const elapsed = (Date.now() - started) / 1000;
    const f = await figures(user, p.registerPath, total);
    report(`soak ${ROUNDS}x${PER_ROUND} seed ${SEED}`, f, { ...faults, seconds: elapsed.toFixed(1), msgPerS: (f.moved / elapsed).toFixed(1) });
    return f.lost === 0 && f.duplicates === 0 && f.problems.length === 0 ? 0 : 1;
  } finally {
    done = true;
    await Promise.all([...workers, poller].map((c) => killChild(c, 'SIGTERM')));
    await proxy.close();
    await redis.stop();
    await dovecot.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`soak failed: ${err.stack ?? err.message}\n`);
    process.exit(2);
  },
);
