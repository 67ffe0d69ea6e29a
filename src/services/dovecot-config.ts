/**
 * The configuration of a private, throwaway Dovecot 2.3 (IMAP only, plaintext on loopback) and the
 * system identity that owns its mail. Kept apart from the process handling in dovecot.ts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { ServiceUnavailableError, isRoot } from './ensure';

/** System user that owns test/demo mail when we run as root (Dovecot refuses mail owned by uid 0). */
export const MAIL_SYSTEM_USER = 'aiguillage-mail';

export interface MailOwner {
  uid: number;
  gid: number;
}

/** Paths inside an instance directory, in one place so the config, addUser and stop agree. */
export function dovecotPaths(dir: string): {
  conf: string; users: string; mail: string; run: string; state: string; log: string; out: string; meta: string;
} {
  return {
    conf: join(dir, 'dovecot.conf'),
    users: join(dir, 'users.d'),
    mail: join(dir, 'mail'),
    run: join(dir, 'run'),
    state: join(dir, 'state'),
    log: join(dir, 'dovecot.log'),
    out: join(dir, 'dovecot.out'),
    meta: join(dir, 'instance.json'),
  };
}

/**
 * Who owns the mail: as root, the `aiguillage-mail` system user (created when missing); otherwise
 * the current user, since an unprivileged Dovecot can only act as itself.
 */
export function resolveMailOwner(): MailOwner {
  if (!isRoot()) {
    const me = userInfo();
    return { uid: me.uid, gid: me.gid };
  }
  const existing = lookupUser(MAIL_SYSTEM_USER);
  if (existing !== null) return existing;
  try {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', MAIL_SYSTEM_USER], {
      stdio: 'pipe',
    });
  } catch (err) {
    // A parallel run may have created it between our lookup and useradd: look again before failing.
    const raced = lookupUser(MAIL_SYSTEM_USER);
    if (raced !== null) return raced;
    throw new ServiceUnavailableError(`Could not create the system user ${MAIL_SYSTEM_USER} for Dovecot mail.`, {
      cause: err,
    });
  }
  const created = lookupUser(MAIL_SYSTEM_USER);
  if (created === null) throw new ServiceUnavailableError(`System user ${MAIL_SYSTEM_USER} missing after useradd.`);
  return created;
}

function lookupUser(name: string): MailOwner | null {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { stdio: 'pipe' }).toString().trim());
    const gid = Number(execFileSync('id', ['-g', name], { stdio: 'pipe' }).toString().trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

/** Short, stable per directory: global-setup's dirs all end in "dovecot", so the basename is not enough. */
function instanceTag(dir: string): string {
  return createHash('sha256').update(dir).digest('hex').slice(0, 10);
}

/**
 * Non-root Dovecot: every service must run as the current user and without chroot (which needs
 * root). As root the packaged defaults (dovenull, dovecot) are used.
 */
function unprivileged(): { global: string; service: string } {
  if (isRoot()) return { global: '', service: '' };
  const me = userInfo().username;
  const group = execFileSync('id', ['-gn'], { stdio: 'pipe' }).toString().trim();
  return {
    global: `default_login_user = ${me}\ndefault_internal_user = ${me}\ndefault_internal_group = ${group}\n`,
    service: '  chroot =\n',
  };
}

/**
 * Why the non-default lines are there:
 * - instance_name / base_dir / state_dir unique per directory: a second instance (the demo, a
 *   parallel test run) must not share sockets, pid file or instance registry with this one;
 * - mail_max_userip_connections: tests open many connections per user from 127.0.0.1 (default 10);
 * - mailbox_idle_check_interval: how often IDLE re-checks the mailbox (default 30 s) so tests and
 *   the demo see new mail quickly (Dovecot's inotify also notifies sooner on Linux);
 * - auth_failure_delay = 0 and no anvil-auth-penalty socket (mode 0: auth, not root, cannot
 *   connect, so the penalty is disabled): a test of a wrong password must not slow every later
 *   login from 127.0.0.1 (Dovecot's auth penalty delays them by 2 to 15 s otherwise);
 * - imap-login in "performance" mode with a high client limit: one process serves all logins
 *   instead of forking per connection (the default is capped at 100 processes);
 * - one passwd-file per user (users.d/%u): Dovecot re-reads a passwd-file at most once per
 *   second, so a user appended to a shared file just after another login would be unknown for up
 *   to a second; a new file is read on its first lookup;
 * - first_valid_uid: the system mail user has a uid below the default floor of 500.
 * IDLE, MOVE, keywords and CREATE are on by default in 2.3. sdbox rather than maildir: maildir
 * stores at most 26 keywords per folder in file names, and every message carries its own register
 * number as a keyword.
 */
export function renderDovecotConfig(dir: string, port: number, owner: MailOwner): string {
  const p = dovecotPaths(dir);
  const nonRoot = unprivileged();
  return `# Generated by Aiguillage (src/services/dovecot-config.ts): private, throwaway instance.
instance_name = aiguillage-${instanceTag(dir)}
base_dir = ${p.run}
state_dir = ${p.state}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = ${p.log}
info_log_path = ${p.log}
mail_location = sdbox:~/sdbox
first_valid_uid = ${Math.min(owner.uid, 500)}
mailbox_idle_check_interval = 1 secs
auth_failure_delay = 0
default_process_limit = 200
default_client_limit = 2000
${nonRoot.global}
namespace inbox {
  inbox = yes
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${p.users}/%u
}
userdb {
  driver = passwd-file
  args = username_format=%u ${p.users}/%u
}
protocol imap {
  mail_max_userip_connections = 200
}
service anvil {
${nonRoot.service}  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
${nonRoot.service}  service_count = 0
  process_min_avail = 1
  client_limit = 1000
}
`;
}
