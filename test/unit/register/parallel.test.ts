/** Two processes registering into the same SQLite file at once never share or skip a number. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Register } from '../../../src/register/sqlite';

const REGISTER_JS = path.join(__dirname, '..', '..', '..', 'dist', 'src', 'register', 'sqlite.js');

function writer(file: string, tag: string, n: number): Promise<number> {
  const code = `
    const { Register } = require(${JSON.stringify(REGISTER_JS)});
    const r = new Register({ path: ${JSON.stringify(file)}, numberPrefix: 'DAJ', replyDelayDays: 30 });
    for (let i = 0; i < ${n}; i++) {
      r.registerMessage({ source: { mailbox: ${JSON.stringify(tag)}, uidValidity: '1', uid: i + 1 }, messageId: null,
        dedupeKey: ${JSON.stringify(tag)} + i, receivedAt: new Date(), channel: 'courriel', index: null, decision: null, error: 'test' });
    }
    r.close();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (c) => resolve(c ?? -1));
  });
}

test('two writer processes: 2 × 150 rows, numbers 1..300 each exactly once', async () => {
  if (!fs.existsSync(REGISTER_JS)) throw new Error(`${REGISTER_JS} missing: run \`npm run build\` (npm test does it)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aig-par-'));
  const file = path.join(dir, 'r.sqlite');
  new Register({ path: file, numberPrefix: 'DAJ', replyDelayDays: 30 }).close();
  const codes = await Promise.all([writer(file, 'a', 150), writer(file, 'b', 150)]);
  expect(codes).toEqual([0, 0]);
  const r = new Register({ path: file, numberPrefix: 'DAJ', replyDelayDays: 30 });
  const seqs = r.list({ limit: 1000 }).map((i) => i.registerNo);
  r.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const nums = seqs.map((s) => Number(s.slice(-6))).sort((x, y) => x - y);
  expect(nums).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
});
