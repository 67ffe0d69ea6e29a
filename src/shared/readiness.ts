/**
 * The readiness checks (/readyz) of the processes: Redis answers, every IMAP server answers, and,
 * in a process that writes it, the register can still be written (Register.checkReady).
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema';
import type { Register } from '../register/sqlite';
import { imapAnswers } from '../services/dovecot';
import type { Probe } from './metrics';

export function redisProbe(redis: Redis): Probe {
  return { name: 'redis', check: async () => void (await redis.ping()) };
}

export function imapProbes(mailboxes: Config['mailboxes']): Probe[] {
  return mailboxes.map((mb) => ({
    name: `imap:${mb.id}`,
    check: async () => {
      if (!(await imapAnswers(mb.host, mb.port, 2000))) throw new Error(`${mb.host}:${mb.port} does not answer`);
    },
  }));
}

export function registerProbe(register: Register): Probe {
  return { name: 'register', check: async () => register.checkReady() };
}
