/** Child processes of the benchmark (real worker/poller entrypoints) and their peak RSS. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../src/config/load';

/** The V8 flags the processes run with in production (package.json start, docker-compose, README);
 *  BENCH_NODE_FLAGS (space-separated) replaces them, to measure another setting. */
export const NODE_FLAGS = process.env.BENCH_NODE_FLAGS !== undefined ? process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean) : ['--max-semi-space-size=2', '--max-old-space-size=512', '--heap-growing-percent=20', '--no-parallel-scavenge', '--no-sparkplug'];

/** The environment the processes run with in production (package.json start, Dockerfile,
 *  docker-compose): two glibc malloc arenas. The caller's environment overrides it. */
export const PROCESS_ENV: Record<string, string> = { MALLOC_ARENA_MAX: '2' };

/** Wait until the child printed `marker` on stdout/stderr (pino JSON lines go to stdout by default). */
export function spawnReady(kind: 'triage' | 'poller', env: Record<string, string>, marker: string, timeoutMs = 30000): Promise<ChildProcess> {
  const file = path.join(ROOT_DIR, 'dist', 'workers', `${kind}.js`);
  // BENCH_PROF_DIR: write a V8 CPU profile of each child there (to see where a process spends its time).
  const prof = process.env.BENCH_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF_DIR}`] : [];
  const child = spawn(process.execPath, [...NODE_FLAGS, ...prof, file], { env: { ...PROCESS_ENV, ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // BENCH_CHILD_LOG_DIR: keep each child's output there (kind-pid.log), e.g. with --trace-gc in BENCH_NODE_FLAGS.
  if (process.env.BENCH_CHILD_LOG_DIR) {
    const out = fs.createWriteStream(path.join(process.env.BENCH_CHILD_LOG_DIR, `${kind}-${child.pid}.log`));
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
  }
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${kind} did not print "${marker}" within ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: Buffer) => {
      if (d.toString().includes(marker)) {
        clearTimeout(t);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code} before being ready`)));
  });
}

/** Peak resident set size (VmHWM) in MB, from /proc. */
export function peakRssMb(child: ChildProcess): number | null {
  try {
    const m = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10000).unref();
  });
}

/** CPU time (user + system, seconds) the child has used so far, from /proc (all its threads). */
export function cpuSeconds(child: ChildProcess): number | null {
  return child.pid === undefined ? null : (statCpu(String(child.pid))?.seconds ?? null);
}

/** utime + stime (seconds, all threads) and parent of one process from /proc, or null when it is gone. */
function statCpu(pid: string): { ppid: string; seconds: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: f[1], seconds: (Number(f[11]) + Number(f[12])) / 100 }; // utime, stime in USER_HZ (100)
  } catch {
    return null;
  }
}

/**
 * CPU seconds used so far by the processes whose command line contains `marker` and by all their
 * descendants (a Dovecot instance: its master runs with `-c <dir>/…`, the imap processes are its
 * children). A process that exited is no longer counted: take it for a lower bound.
 */
export function treeCpuSeconds(marker: string): number {
  const procs = new Map<string, { ppid: string; seconds: number; cmd: string }>();
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const s = statCpu(pid);
    if (!s) continue;
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    procs.set(pid, { ...s, cmd });
  }
  const inTree = (pid: string): boolean => {
    for (let p: string | undefined = pid, depth = 0; p && p !== '0' && depth < 16; depth++) {
      const proc = procs.get(p);
      if (!proc) return false;
      if (proc.cmd.includes(marker)) return true;
      p = proc.ppid;
    }
    return false;
  };
  let total = 0;
  for (const [pid, p] of procs) if (inTree(pid)) total += p.seconds;
  return total;
}

/** The machine's CPU counters (all cores, clock ticks): total and idle (idle + iowait). */
export function machineCpu(): { total: number; idle: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { total: f.reduce((a, b) => a + b, 0), idle: f[3] + (f[4] ?? 0) };
}
