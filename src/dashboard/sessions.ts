import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Role } from './users';

/**
 * Login sessions kept in the register's SQLite file (table dashboard_sessions, migration 3), so a
 * restart does not log everyone out. The cookie carries 32 random bytes; only their SHA-256 is
 * stored. Each session has its own random CSRF token (synchroniser token): every POST must send it
 * back, and it is compared in constant time.
 */
export interface Session {
  username: string;
  role: Role;
  csrf: string;
  expiresAt: string;
}

const hashId = (id: string) => createHash('sha256').update(id).digest('hex');

export class SessionStore {
  constructor(
    private readonly db: Database.Database,
    private readonly ttlMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  create(username: string, role: Role): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: Session = { username, role, csrf: randomBytes(32).toString('base64url'), expiresAt: new Date(now.getTime() + this.ttlMs).toISOString() };
    // Expired rows are swept on each login rather than by a timer: logins are rare, the table tiny.
    this.db.prepare('DELETE FROM dashboard_sessions WHERE expires_at < ?').run(now.toISOString());
    this.db
      .prepare('INSERT INTO dashboard_sessions (id_hash, username, role, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(hashId(id), username, role, session.csrf, now.toISOString(), session.expiresAt);
    return { id, session };
  }

  get(id: string | undefined): Session | null {
    if (!id || id.length > 100) return null;
    const row = this.db.prepare('SELECT username, role, csrf, expires_at FROM dashboard_sessions WHERE id_hash = ?').get(hashId(id)) as
      | { username: string; role: Role; csrf: string; expires_at: string }
      | undefined;
    if (!row || row.expires_at < this.now().toISOString()) return null;
    return { username: row.username, role: row.role, csrf: row.csrf, expiresAt: row.expires_at };
  }

  destroy(id: string | undefined): void {
    if (id) this.db.prepare('DELETE FROM dashboard_sessions WHERE id_hash = ?').run(hashId(id));
  }
}

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || a === '' || b === '') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
