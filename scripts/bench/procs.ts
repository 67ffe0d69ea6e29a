/** Child processes of the benchmark (real worker/poller entrypoints) and their peak RSS. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../src/config/load';

/** The V8 flags the processes run with in production (package.json start, docker-compose, README);
 *  BENCH_NODE_FLAGS (space-separated) replaces them, to measure another setting. */
export const NODE_FLAGS = process.env.BENCH_NODE_FLAGS !== undefined ? process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean) : ['--max-semi-space-size=2', '--max-old-space-size=512', '--heap-growing-percent=20'];

/** The environment the processes run with in production (package.json start, Dockerfile,
 *  docker-compose): two glibc malloc arenas. The caller's environment overrides it. */
export const PROCESS_ENV: Record<string, string> = { MALLOC_ARENA_MAX: '2' };

/** Wait until the child printed `marker` on stdout/stderr (pino JSON lines go to stdout by default). */
export function spawnReady(kind: 'triage' | 'poller', env: Record<string, string>, marker: string, timeoutMs = 30000): Promise<ChildProcess> {
  const file = path.join(ROOT_DIR, 'dist', 'workers', `${kind}.js`);
  // BENCH_PROF_DIR: write a V8 CPU profile of each child there (to see where a process spends its time).
  const prof = process.env.BENCH_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF_DIR}`] : [];
  const child = spawn(process.execPath, [...NODE_FLAGS, ...prof, file], { env: { ...PROCESS_ENV, ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  try {
    const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}
