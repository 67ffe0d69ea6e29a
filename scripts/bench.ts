/**
 * `npm run bench [-- --json]`: speed and memory of Aiguillage on this machine, next to what its own
 * parts reach in the same run. Prints figures and ratios; asserts nothing (tests never time things).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Queue, Worker } from 'bullmq';
import { ImapFlow } from 'imapflow';
import { Redis } from 'ioredis';
import { simpleParser } from 'mailparser';
import { loadAnalysis } from '../src/app/analysis-deps';
import { loadConfig } from '../src/config/load';
import { Register } from '../src/register/sqlite';
import { startDovecot, type DovecotService } from '../src/services/dovecot';
import { ensureRedis, type RedisService } from '../src/services/redis';
import { silentLogger } from '../src/shared/logger';
import { progressBar } from '../src/shared/progress';
import { analyseMessage } from '../src/triage/analyse';
import { benchMix, uniqueMessages } from './bench/mix';
import { cpuSeconds, machineCpu, NODE_FLAGS, peakRssMb, PROCESS_ENV, spawnReady, stop, treeCpuSeconds } from './bench/procs';

const JSON_OUT = process.argv.includes('--json');
const N = Number(process.env.BENCH_MESSAGES ?? 2000);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 50);
/** Messages a worker takes before the timed N in the "warm worker" run. */
const WARM_MESSAGES = 400;
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rate = (n: number, ms: number) => Math.round((n * 1000) / ms);

async function timeLoop(fn: () => Promise<void>, minMs: number): Promise<{ n: number; ms: number }> {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < minMs) {
    await fn();
    n++;
  }
  return { n, ms: performance.now() - t0 };
}

/** Rounds of the offline comparison: mailparser alone and our pipeline take turns, so that a change
 *  in the machine's speed during the run (a shared VM) weighs on both sides of the ratio alike. */
const OFFLINE_ROUNDS = 8;
/** Each way runs this long in each round. */
const ROUND_MS = 500;
/** "As the worker runs it": the pool fills for this long before the timed window opens. */
const RAMP_MS = 50;

/**
 * `k` loops taking the next message of an endless cycle through `items`, as the worker's BullMQ
 * concurrency keeps `k` jobs in flight over a queue that does not run dry. Counts the messages
 * finished inside a window that opens once the pool is full (after RAMP_MS) and closes after `ms`;
 * then the loops stop taking messages and the pool drains outside the window. The worker never
 * drains between messages, so neither does this measure: passes of a finite stream (the earlier
 * method, 500 messages a pass) ended each with the pool emptying while the last PDFs were read,
 * the main thread idle, and that cost the pipeline 10-20 % of its figure and mailparser nothing.
 */
async function steadyStream<T>(items: T[], k: number, fn: (item: T) => Promise<unknown>, ms: number): Promise<{ n: number; ms: number }> {
  let next = 0;
  let done = 0;
  let taking = true;
  const loop = async () => {
    while (taking) {
      await fn(items[next++ % items.length]!);
      done++;
    }
  };
  const pool = Promise.all(Array.from({ length: k }, loop));
  await sleep(RAMP_MS);
  const n0 = done;
  const t0 = performance.now();
  await sleep(ms);
  const n1 = done;
  const t1 = performance.now();
  taking = false;
  await pool;
  return { n: n1 - n0, ms: t1 - t0 };
}

/**
 * Two ways, each for mailparser alone and for our pipeline on the same messages:
 * - one message at a time (the offline CLI): the main thread waits while a PDF is read in the PDF
 *   thread;
 * - as the worker runs it: `concurrency` messages in flight (the configured worker concurrency) over an
 *   endless stream of the mix, so that the PDF thread works beside the main thread, as in production.
 *   mailparser alone is run the same way (it is faster so too: its stream steps interleave).
 */
async function offline() {
  const mix = benchMix();
  const config = loadConfig({ env: {} });
  const { deps } = loadAnalysis(config, silentLogger());
  const concurrency = config.worker.concurrency;
  for (const m of mix) await analyseMessage(m, deps); // warm-up (model, pdf.js thread, JIT)
  const oneByOne = (fn: (m: Buffer) => Promise<unknown>) => async () => {
    const r = await timeLoop(async () => {
      for (const m of mix) await fn(m);
    }, ROUND_MS);
    return { n: r.n * mix.length, ms: r.ms };
  };
  const parse = (m: Buffer) => simpleParser(m);
  const pipe = (m: Buffer) => analyseMessage(m, deps);
  // Each way: what one round runs (messages finished, milliseconds), and the totals of its rounds.
  const ways = {
    parse: { run: oneByOne(parse), n: 0, ms: 0 },
    pipe: { run: oneByOne(pipe), n: 0, ms: 0 },
    parseK: { run: () => steadyStream(mix, concurrency, parse, ROUND_MS), n: 0, ms: 0 },
    pipeK: { run: () => steadyStream(mix, concurrency, pipe, ROUND_MS), n: 0, ms: 0 },
  };
  const bar = progressBar(OFFLINE_ROUNDS, 'offline rounds');
  for (let round = 0; round < OFFLINE_ROUNDS; round++) {
    for (const way of Object.values(ways)) {
      const r = await way.run();
      way.n += r.n;
      way.ms += r.ms;
    }
    bar(round + 1);
  }
  const msgS = (w: keyof typeof ways) => rate(ways[w].n, ways[w].ms);
  return {
    mix: mix.length,
    parse_only_msg_s: msgS('parse'),
    pipeline_msg_s: msgS('pipe'),
    ratio: +(msgS('pipe') / msgS('parse')).toFixed(2),
    concurrency,
    parse_only_concurrent_msg_s: msgS('parseK'),
    pipeline_concurrent_msg_s: msgS('pipeK'),
    ratio_concurrent: +(msgS('pipeK') / msgS('parseK')).toFixed(2),
  };
}

interface Env {
  redis: RedisService;
  dovecot: DovecotService;
  dir: string;
}

async function newMailbox(env: Env, tag: string) {
  const user = `bench${tag}${Date.now().toString(36)}`;
  const password = 'bench-password';
  await env.dovecot.addUser(user, password);
  const prefix = `aigbench${tag}${Date.now().toString(36)}`;
  const registerPath = path.join(env.dir, `${prefix}.sqlite`);
  const vars: Record<string, string> = {
    REDIS_URL: env.redis.url,
    IMAP_HOST: env.dovecot.host,
    IMAP_PORT: String(env.dovecot.port),
    IMAP_SECURE: 'false',
    IMAP_USER: user,
    IMAP_PASSWORD: password,
    REGISTER_PATH: registerPath,
    AIG_REDIS_PREFIX: prefix,
    LOG_LEVEL: 'info',
  };
  const client = () => new ImapFlow({ host: env.dovecot.host, port: env.dovecot.port, secure: false, auth: { user, pass: password }, logger: false });
  return { user, prefix, registerPath, vars, client };
}

async function append(mk: () => ImapFlow, msgs: Buffer[]): Promise<void> {
  const c = mk();
  await c.connect();
  for (const m of msgs) await c.append('INBOX', m);
  await c.logout();
}

/**
 * Waits until `n` messages are recorded as moved in the register, looking every 50 ms through one
 * read-only connection (one COUNT, ~7 µs). Opening the register each time, as this did before, cost
 * ~0.4 ms a look and took its write lock four times (the migrations' BEGIN IMMEDIATE), competing with
 * the worker it measures. `onProgress` gets the count at each look.
 */
async function waitMoved(file: string, n: number, onProgress: (moved: number) => void = () => undefined): Promise<void> {
  while (!fs.existsSync(file)) await sleep(50);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const count = db.prepare('SELECT COUNT(*) AS n FROM sources WHERE moved_at IS NOT NULL');
    for (;;) {
      const moved = (count.get() as { n: number }).n;
      onProgress(Math.min(moved, n));
      if (moved >= n) return;
      await sleep(50);
    }
  } finally {
    db.close();
  }
}

/**
 * N messages through real poller and worker processes. With `warm` > 0, the workers first take `warm`
 * other messages (then the poller stops), and the N are timed on workers whose code is already
 * compiled, as in production where a worker runs for days: in a fresh process V8 spends the first
 * seconds compiling (measured: ~2.4 s of TurboFan on background threads in an 8 s run).
 */
async function endToEnd(env: Env, workers: number, tag: string, extra: Record<string, string> = {}, warm = 0) {
  const mb = await newMailbox(env, tag);
  Object.assign(mb.vars, extra);
  const startWorkers = () => Promise.all(Array.from({ length: workers }, () => spawnReady('triage', mb.vars, 'triage worker started')));
  let ws: ChildProcess[] = [];
  if (warm > 0) {
    progress(`e2e ×${workers}: warming the worker(s) with ${warm} messages`);
    await append(mb.client, uniqueMessages(warm, `${tag}w`));
    ws = await startWorkers();
    const warmPoller = await spawnReady('poller', mb.vars, 'watching mailbox');
    await waitMoved(mb.registerPath, warm, progressBar(warm, `e2e ×${workers}: warm-up`));
    await stop(warmPoller);
  }
  progress(`e2e ×${workers}: appending ${N} messages`);
  await append(mb.client, uniqueMessages(N, tag));
  // The raw speed of the part: one FETCH of every source of this mailbox.
  const c = mb.client();
  await c.connect();
  const lock = await c.getMailboxLock('INBOX');
  const tf = performance.now();
  const all = await c.fetchAll('1:*', { uid: true, source: true });
  const fetchMs = performance.now() - tf;
  lock.release();
  await c.logout();
  if (warm === 0) {
    progress(`e2e ×${workers}: starting ${workers} worker process(es) and the poller`);
    ws = await startWorkers();
  } else progress(`e2e ×${workers}: starting the poller`);
  // Where the machine's time goes during the run: Dovecot's processes (a private instance only) and idle.
  const dovecotCpu = () => (env.dovecot.dir ? treeCpuSeconds(env.dovecot.dir) : null);
  const workersCpu = () => ws.map(cpuSeconds).reduce((a: number, b) => a + (b ?? 0), 0);
  const dovecot0 = dovecotCpu();
  const machine0 = machineCpu();
  const cpu0 = warm > 0 ? workersCpu() : 0; // cold: the workers' start-up counts
  const t0 = performance.now();
  const poller = await spawnReady('poller', mb.vars, 'watching mailbox');
  const bar = progressBar(N, `e2e ×${workers}`);
  await waitMoved(mb.registerPath, warm + N, (moved) => bar(Math.max(0, moved - warm)));
  const ms = performance.now() - t0;
  const machine1 = machineCpu();
  const dovecot1 = dovecotCpu();
  // CPU per message: steadier than the wall clock when something else runs on the machine.
  const cpu = workersCpu() - cpu0;
  const out = {
    messages: N,
    msg_s: rate(N, ms),
    seconds: +(ms / 1000).toFixed(2),
    worker_cpu_ms_per_msg: +((cpu * 1000) / N).toFixed(2),
    dovecot_cpu_ms_per_msg: dovecot0 !== null && dovecot1 !== null ? +(((dovecot1 - dovecot0) * 1000) / N).toFixed(2) : null,
    machine_idle_pct: Math.round((100 * (machine1.idle - machine0.idle)) / Math.max(1, machine1.total - machine0.total)),
    raw_fetch_msg_s: rate(all.length, fetchMs),
    worker_peak_rss_mb: ws.map(peakRssMb),
    poller_peak_rss_mb: peakRssMb(poller),
  };
  return { out, mb, ws, poller };
}

async function bullmqNoop(env: Env) {
  const conn = new Redis(env.redis.url, { maxRetriesPerRequest: null });
  const prefix = `aigbenchnoop${Date.now().toString(36)}`;
  const q = new Queue('noop', { connection: conn, prefix });
  await q.addBulk(Array.from({ length: N }, (_, i) => ({ name: 'n', data: { i }, opts: { removeOnComplete: true } })));
  let done = 0;
  const t0 = performance.now();
  const w = new Worker('noop', async () => undefined, { connection: conn, prefix, concurrency: 10 });
  w.on('completed', () => done++);
  while (done < N) await sleep(10);
  const ms = performance.now() - t0;
  await w.close();
  await q.obliterate({ force: true });
  await q.close();
  conn.disconnect();
  return rate(N, ms);
}

async function latency(mb: Awaited<ReturnType<typeof newMailbox>>) {
  const c = mb.client();
  await c.connect();
  const r = new Register({ path: mb.registerPath, numberPrefix: 'DAJ', replyDelayDays: 30 });
  const regMs: number[] = [];
  const movedMs: number[] = [];
  try {
    const msgs = uniqueMessages(LATENCY_SAMPLES, `lat${Date.now().toString(36)}`);
    const bar = progressBar(msgs.length, 'latency samples');
    for (let i = 0; i < msgs.length; i++) {
      bar(i);
      const id = msgs[i].toString('latin1').match(/^Message-ID:\s*<([^>]+)>/im)![1];
      const t0 = Date.now();
      await c.append('INBOX', msgs[i]);
      for (;;) {
        const it = r.findByMessageIds([id]);
        const src = it ? r.sourcesOf(it.id)[0] : null;
        if (it && src?.movedAt) {
          regMs.push(Date.parse(it.registeredAt) - t0);
          movedMs.push(Date.parse(src.movedAt) - t0);
          break;
        }
        await sleep(5);
      }
      await sleep(100); // let the poller go back to IDLE
    }
    bar(msgs.length);
  } finally {
    r.close();
    await c.logout();
  }
  const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  return { samples: movedMs.length, registered_p50_ms: pct(regMs, 50), moved_p50_ms: pct(movedMs, 50), moved_p95_ms: pct(movedMs, 95), moved_p99_ms: pct(movedMs, 99) };
}

async function main() {
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aig-bench-'));
  fs.chmodSync(dir, 0o711);
  // BENCH_E2E_ONLY=1: only the one-worker end-to-end run (for profiling with BENCH_PROF_DIR);
  // BENCH_OFFLINE_ONLY=1: only the offline comparison.
  const e2eOnly = process.env.BENCH_E2E_ONLY === '1';
  progress('offline path (parse + index + classify vs mailparser alone)');
  const off = e2eOnly ? null : await offline();
  if (process.env.BENCH_OFFLINE_ONLY === '1') {
    process.stdout.write(JSON.stringify(off) + '\n');
    return;
  }
  const redis = await ensureRedis({ url: process.env.REDIS_URL, log: progress, allowInstall: true });
  const dovecot = await startDovecot({ dir: path.join(dir, 'dovecot'), log: progress, allowInstall: true });
  const env: Env = { redis, dovecot, dir };
  try {
    // BENCH_E2E_WORKERS=N: with BENCH_E2E_ONLY, that run with N worker processes.
    const one = await endToEnd(env, e2eOnly ? Number(process.env.BENCH_E2E_WORKERS ?? 1) : 1, 'a', {}, Number(process.env.BENCH_WARM ?? 0));
    if (e2eOnly) {
      await Promise.all([...one.ws, one.poller].map(stop));
      process.stdout.write(JSON.stringify(one.out) + '\n');
      return;
    }
    progress(`latency: ${LATENCY_SAMPLES} single appends with the poller in IDLE`);
    const lat = await latency(one.mb);
    // The same without IDLE (a server without it): the poller's NOOP fast poll.
    await stop(one.poller);
    const noIdleFile = path.join(dir, 'no-idle.yaml');
    fs.writeFileSync(noIdleFile, 'poller:\n  idle: false\n');
    const noIdlePoller = await spawnReady('poller', { ...one.mb.vars, AIGUILLAGE_CONFIG: noIdleFile }, 'watching mailbox');
    progress(`latency: ${LATENCY_SAMPLES} single appends without IDLE (NOOP fast poll)`);
    const latNoIdle = await latency(one.mb);
    await Promise.all([...one.ws, noIdlePoller].map(stop));
    // The register-number keyword (routing.registerKeyword, on by default) is the largest single cost.
    const noKw = await endToEnd(env, 1, 'k', { AIG_REGISTER_KEYWORD: 'false' });
    await Promise.all([...noKw.ws, noKw.poller].map(stop));
    // The same N on a worker that has already run (its code compiled), as in production.
    const warm = await endToEnd(env, 1, 'w', {}, WARM_MESSAGES);
    await Promise.all([...warm.ws, warm.poller].map(stop));
    const two = await endToEnd(env, 2, 'b');
    await Promise.all([...two.ws, two.poller].map(stop));
    // Scale-out on a machine whose speed drifts: one more run of each, taking turns with the first
    // ones (1, 2, 1, 2 workers), and the speed-up from the sums.
    const oneAgain = await endToEnd(env, 1, 'c');
    await Promise.all([...oneAgain.ws, oneAgain.poller].map(stop));
    const twoAgain = await endToEnd(env, 2, 'd');
    await Promise.all([...twoAgain.ws, twoAgain.poller].map(stop));
    const ones = [one.out.msg_s, oneAgain.out.msg_s];
    const twos = [two.out.msg_s, twoAgain.out.msg_s];
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const noop = await bullmqNoop(env);
    const result = {
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      date: new Date().toISOString().slice(0, 10),
      // What the worker and poller processes ran with (production settings unless overridden).
      process_settings: `${NODE_FLAGS.join(' ')}, MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? PROCESS_ENV.MALLOC_ARENA_MAX}`,
      offline: off!,
      end_to_end: { ...one.out, bullmq_noop_msg_s: noop, without_register_keyword: noKw.out, warm_worker: { warm_up_messages: WARM_MESSAGES, ...warm.out } },
      latency: lat,
      latency_without_idle: latNoIdle,
      scale_out: {
        one_worker_runs_msg_s: ones,
        two_workers_runs_msg_s: twos,
        speed_up: +(sum(twos) / sum(ones)).toFixed(2),
        // Why the speed-up is what it is: how much of the machine the runs left idle, and the CPU
        // each message cost all the workers together.
        machine_idle_pct: { one_worker: [one.out.machine_idle_pct, oneAgain.out.machine_idle_pct], two_workers: [two.out.machine_idle_pct, twoAgain.out.machine_idle_pct] },
        worker_cpu_ms_per_msg: { one_worker: [one.out.worker_cpu_ms_per_msg, oneAgain.out.worker_cpu_ms_per_msg], two_workers: [two.out.worker_cpu_ms_per_msg, twoAgain.out.worker_cpu_ms_per_msg] },
        worker_peak_rss_mb: [...two.out.worker_peak_rss_mb, ...twoAgain.out.worker_peak_rss_mb],
      },
      seconds: Math.round((Date.now() - started) / 1000),
    };
    if (JSON_OUT) process.stdout.write(JSON.stringify(result) + '\n');
    else printTable(result);
  } finally {
    await dovecot.stop();
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(r: any) {
  const row = (what: string, value: string, target: string) => process.stdout.write(`${what.padEnd(50)} ${value.padStart(14)}   ${target}\n`);
  process.stdout.write(`Aiguillage benchmark — ${r.date} — ${r.machine}\nprocesses: ${r.process_settings}\n\n`);
  row('offline: mailparser alone (msg/s)', String(r.offline.parse_only_msg_s), `mix of ${r.offline.mix}`);
  row('offline: parse+index+classify (msg/s)', String(r.offline.pipeline_msg_s), '');
  row('offline: ratio pipeline / parse_only', String(r.offline.ratio), 'target ≥ 0.5 (one at a time)');
  row(`offline, ${r.offline.concurrency} in flight: mailparser alone (msg/s)`, String(r.offline.parse_only_concurrent_msg_s), 'as the worker runs');
  row(`offline, ${r.offline.concurrency} in flight: parse+index+classify`, String(r.offline.pipeline_concurrent_msg_s), '');
  row(`offline, ${r.offline.concurrency} in flight: ratio`, String(r.offline.ratio_concurrent), 'target ≥ 0.5 (as the worker runs)');
  row(`end to end, 1 worker (${r.end_to_end.messages} msgs) (msg/s)`, String(r.end_to_end.msg_s), 'target ≥ 500');
  row('  worker CPU per message (ms, start-up included)', String(r.end_to_end.worker_cpu_ms_per_msg), '');
  row('  Dovecot CPU per message (ms) / machine idle', `${r.end_to_end.dovecot_cpu_ms_per_msg ?? '–'} / ${r.end_to_end.machine_idle_pct} %`, 'during the run');
  row(`  same, worker already run (${r.end_to_end.warm_worker.warm_up_messages} msgs) (msg/s)`, String(r.end_to_end.warm_worker.msg_s), `worker CPU ${r.end_to_end.warm_worker.worker_cpu_ms_per_msg} ms/msg`);
  row('  same, routing.registerKeyword false (msg/s)', String(r.end_to_end.without_register_keyword.msg_s), `worker CPU ${r.end_to_end.without_register_keyword.worker_cpu_ms_per_msg} ms/msg`);
  row('  raw imapflow FETCH of the mailbox (msg/s)', String(r.end_to_end.raw_fetch_msg_s), '');
  row('  BullMQ no-op drain, concurrency 10 (msg/s)', String(r.end_to_end.bullmq_noop_msg_s), '');
  row('latency APPEND → moved p50 (ms)', String(r.latency.moved_p50_ms), 'target ≤ 600');
  row('latency APPEND → moved p95 (ms)', String(r.latency.moved_p95_ms), 'target ≤ 1000');
  row('latency APPEND → moved p99 (ms)', String(r.latency.moved_p99_ms), '');
  row('latency APPEND → registered p50 (ms)', String(r.latency.registered_p50_ms), '');
  row('latency without IDLE (NOOP poll) p50 / p95 (ms)', `${r.latency_without_idle.moved_p50_ms} / ${r.latency_without_idle.moved_p95_ms}`, 'target < 1000');
  row('peak RSS worker (MB)', String(r.end_to_end.worker_peak_rss_mb.join(', ')), 'target ≤ 150');
  row('peak RSS poller (MB)', String(r.end_to_end.poller_peak_rss_mb), '');
  row('scale-out: 1 worker, 2 workers (msg/s)', `${r.scale_out.one_worker_runs_msg_s.join(', ')}; ${r.scale_out.two_workers_runs_msg_s.join(', ')}`, 'runs in turn: 1, 2, 1, 2');
  row('scale-out: speed-up', String(r.scale_out.speed_up), 'target ≥ 1.6');
  const pair = (x: { one_worker: number[]; two_workers: number[] }) => `${x.one_worker.join(', ')}; ${x.two_workers.join(', ')}`;
  row('  machine idle, 1 worker; 2 workers (%)', pair(r.scale_out.machine_idle_pct), 'the CPU left for a second worker');
  row('  workers CPU per message, 1; 2 workers (ms)', pair(r.scale_out.worker_cpu_ms_per_msg), 'start-up included');
  process.stdout.write(`\n(${r.seconds} s)\n`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.message}\n`);
    process.exit(1);
  },
);
