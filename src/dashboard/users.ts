import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { AigError } from '../shared/errors';

/**
 * Dashboard users: a YAML file of { name, role, hash } where hash is
 * `scrypt$N$r$p$saltB64$keyB64` (node:crypto scrypt, 16-byte random salt, 64-byte key). Passwords
 * are compared with timingSafeEqual; an unknown user costs the same scrypt as a known one, so the
 * response time does not tell which names exist.
 */
export const ROLES = ['secretariat', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** N=2^15 (about 50 ms here): slow enough to make offline guessing costly, fast enough for a login. */
const SCRYPT = { N: 32768, r: 8, p: 1, keyLen: 64, maxmem: 64 * 1024 * 1024 };
export const MIN_PASSWORD_LENGTH = 10;

const userSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9._-]{1,40}$/, 'lower-case letters, digits, . _ -'),
    role: z.enum(ROLES),
    hash: z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'scrypt$N$r$p$salt$key'),
  })
  .strict();
const fileSchema = z.object({ users: z.array(userSchema).nullable() }).strict();

export type User = z.infer<typeof userSchema>;

function scrypt(password: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keyLen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: SCRYPT.maxmem });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const [, n, r, p, saltB64, keyB64] = hash.split('$');
  const expected = Buffer.from(keyB64 ?? '', 'base64');
  const got = await scrypt(password, Buffer.from(saltB64 ?? '', 'base64'), expected.length || SCRYPT.keyLen, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/** A fixed hash checked when the user does not exist (same cost as a real check). */
let dummyHash: Promise<string> | null = null;

export class UserStore {
  constructor(readonly file: string) {}

  list(): User[] {
    if (!fs.existsSync(this.file)) return [];
    const parsed = fileSchema.safeParse(YAML.parse(fs.readFileSync(this.file, 'utf8')) ?? { users: [] });
    if (!parsed.success) {
      const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new AigError('AIG_ERR_CONFIG', `${this.file}: ${msg}`);
    }
    return parsed.data.users ?? [];
  }

  /** The user when name and password match; null otherwise (never says which one was wrong). */
  async authenticate(name: string, password: string): Promise<User | null> {
    const user = this.list().find((u) => u.name === name);
    if (!user) {
      dummyHash ??= hashPassword('aiguillage-dummy-password');
      await verifyPassword(password, await dummyHash);
      return null;
    }
    return (await verifyPassword(password, user.hash)) ? user : null;
  }

  /** Add or replace a user; the file keeps its leading comment. Written atomically (tmp + rename). */
  async upsert(name: string, role: Role, password: string): Promise<'created' | 'updated'> {
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new AigError('AIG_ERR_USAGE', `mot de passe trop court (au moins ${MIN_PASSWORD_LENGTH} caractères)`);
    }
    const users = this.list();
    const entry = userSchema.parse({ name, role, hash: await hashPassword(password) });
    const i = users.findIndex((u) => u.name === name);
    if (i >= 0) users[i] = entry;
    else users.push(entry);
    const header = fs.existsSync(this.file) ? (fs.readFileSync(this.file, 'utf8').match(/^(#.*\n)*/)?.[0] ?? '') : '';
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, header + YAML.stringify({ users }), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    return i >= 0 ? 'updated' : 'created';
  }
}
