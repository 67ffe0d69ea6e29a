/** One triage worker's own stack, as startTriage builds it: register connection, IMAP session, batching. */
import path from 'node:path';
import type { Redis } from 'ioredis';
import { loadAnalysis } from '../../src/app/analysis-deps';
import { ROOT_DIR } from '../../src/config/load';
import { loadOrganisation } from '../../src/config/organisation';
import type { Config } from '../../src/config/schema';
import { createDeadQueue } from '../../src/queue';
import { Register } from '../../src/register/sqlite';
import { silentLogger } from '../../src/shared/logger';
import { ImapPool } from '../../src/triage/imap-pool';
import { TriageIO } from '../../src/triage/io';
import type { TriageDeps } from '../../src/triage/process';

export function triageStack(config: Readonly<Config>, redis: Redis): { deps: TriageDeps; close: () => Promise<void> } {
  const log = silentLogger();
  const analysis = loadAnalysis(config, log);
  const register = new Register({ path: config.register.path, numberPrefix: config.register.numberPrefix, replyDelayDays: config.register.replyDelayDays });
  const imap = new ImapPool(config.mailboxes, log);
  const deadQueue = createDeadQueue(redis, config.redis.prefix);
  const io = new TriageIO(imap, register, config.limits.maxMessageBytes);
  const organisation = loadOrganisation(path.join(ROOT_DIR, 'config', 'organisation.yaml'));
  return {
    deps: { config, organisation, register, imap, io, analyse: analysis.deps, deadQueue, log },
    close: async () => {
      analysis.rules.stop();
      await imap.close();
      await deadQueue.close();
      register.close();
    },
  };
}
