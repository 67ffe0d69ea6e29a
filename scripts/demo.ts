/**
 * `npm run demo`: the main job on embedded defaults. Makes sure Redis and an IMAP server exist,
 * fills a mailbox with the sample messages shipped in config/samples/, runs the poller and a triage
 * worker on it, prints where each message went and why, and where to look next.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { loadConfig, ROOT_DIR } from '../src/config/load';
import { startPoller, startTriage } from '../src/app/start';
import { ensureImap, type DovecotService } from '../src/services/dovecot';
import { ensureRedis } from '../src/services/redis';
import { createLogger } from '../src/shared/logger';
import { sleep } from '../src/shared/imap';

const say = (msg: string) => process.stdout.write(msg + '\n');
const note = (msg: string) => process.stderr.write(`[demo] ${msg}\n`);

async function main(): Promise<void> {
  const demoDir = path.join(ROOT_DIR, '.aiguillage', 'demo');
  fs.mkdirSync(demoDir, { recursive: true });
  const samplesDir = path.join(ROOT_DIR, 'config', 'samples');
  const samples = fs.readdirSync(samplesDir).filter((f) => f.endsWith('.eml')).sort();
  const base = loadConfig();
  const redis = await ensureRedis({ url: process.env.REDIS_URL ?? base.redis.url, log: note, allowInstall: true });
  const imapFromEnv = process.env.IMAP_HOST !== undefined && process.env.IMAP_PASSWORD !== undefined;
  let imap: DovecotService;
  let user = 'demo';
  let password = 'demo-password';
  if (imapFromEnv) {
    imap = await ensureImap({ host: base.mailboxes[0].host, imapPort: base.mailboxes[0].port, log: note, allowInstall: true });
    if (!imap.started) ({ user, password } = { user: base.mailboxes[0].user, password: process.env.IMAP_PASSWORD! });
  } else {
    imap = await ensureImap({ dir: path.join(demoDir, 'dovecot'), log: note, allowInstall: true });
  }
  if (imap.started) await imap.addUser(user, password);
  const prefix = `aigdemo${Date.now().toString(36)}`;
  const registerPath = path.join(demoDir, 'register.sqlite');
  for (const f of [registerPath, `${registerPath}-wal`, `${registerPath}-shm`]) fs.rmSync(f, { force: true });
  const config = loadConfig({
    env: { ...process.env, IMAP_HOST: imap.host, IMAP_PORT: String(imap.port), IMAP_USER: user, IMAP_PASSWORD: password, IMAP_SECURE: 'false', REDIS_URL: redis.url, REGISTER_PATH: registerPath, AIG_REDIS_PREFIX: prefix, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    overrides: { poller: { sweepIntervalMs: 2000 } },
    requirePassword: true,
  });
  const log = createLogger(config.log.level, process.stderr as never);
  const mb = config.mailboxes[0];
  const client = new ImapFlow({ host: mb.host, port: mb.port, secure: mb.secure, auth: { user: mb.user, pass: password }, logger: false });
  await client.connect();
  note(`appending ${samples.length} sample messages to ${mb.user}@${mb.host}:${mb.port}/${mb.folder}`);
  for (const f of samples) await client.append(mb.folder, fs.readFileSync(path.join(samplesDir, f)));
  const triage = await startTriage(config, log);
  const poller = startPoller(config, log);
  const register = triage.register!;
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline && register.counts().moved < samples.length) await sleep(200);
  const items = register.list({ limit: 1000 }).reverse();
  say(`\n${'N° registre'.padEnd(17)} ${'destination'.padEnd(13)} ${'statut'.padEnd(12)} conf.  sujet → raisons`);
  for (const it of items) {
    const reasons = (it.decision?.reasons ?? []).slice(0, 2).map((r) => r.text).join(' | ') || it.error || '';
    say(`${it.registerNo.padEnd(17)} ${it.destination.padEnd(13)} ${it.status.padEnd(12)} ${(it.confidence ?? 0).toFixed(2)}  ${(it.subject ?? '').slice(0, 60)}\n${' '.repeat(18)}↳ ${reasons.slice(0, 160)}`);
  }
  const folders = await client.list();
  say('\nDossiers IMAP :');
  for (const f of folders) {
    const st = await client.status(f.path, { messages: true });
    if (st && (st.messages ?? 0) > 0) say(`  ${f.path.padEnd(28)} ${st.messages}`);
  }
  const c = register.counts();
  say(`\n${samples.length} messages déposés, ${c.items} enregistrés, ${c.moved} déplacés, ${c.toReview} à revoir, ${c.errors} en erreur.`);
  say(`Registre : ${registerPath}  (sqlite3 ${path.relative(process.cwd(), registerPath)} 'select register_no, destination, status from items')`);
  say(`Boîte IMAP : ${mb.host}:${mb.port} utilisateur ${mb.user}${imap.started ? ` (Dovecot local de la démo, arrêté à la fin ; ses données restent dans ${imap.dir})` : ''}`);
  say(`Essayer hors ligne : npx aiguillage classify config/samples/${samples[0]}`);
  say(`Chercher dans ce registre : REGISTER_PATH=${path.relative(process.cwd(), registerPath)} npx aiguillage register search "détachement"`);
  say(`Tableau de bord : npx aiguillage user add moi --role admin, puis IMAP_PASSWORD=${imap.started ? password : "…"} REGISTER_PATH=${path.relative(process.cwd(), registerPath)} node dist/workers/dashboard.js → http://${config.dashboard.host}:${config.dashboard.port}`);
  await client.logout();
  await poller.stop();
  await triage.stop();
  await imap.stop();
  await redis.stop();
  if (c.moved < samples.length) throw new Error(`only ${c.moved} of ${samples.length} messages were routed within the time limit`);
}

main().then(
  () => process.exit(0),
  (err: Error & { code?: string }) => {
    process.stderr.write(`demo failed: ${err.code ? err.code + ': ' : ''}${err.message}\n`);
    process.exit(1);
  },
);
