import type { Config } from '../config/schema';
import { CheckpointStore } from '../ingest/checkpoint';
import { DropFolderWatcher } from '../ingest/drop-folder';
import { Poller, type SyncInfo } from '../ingest/poller';
import type { Metrics } from '../shared/metrics';
import { createTriageQueue } from '../queue';
import type { Logger } from '../shared/logger';
import type { Running } from './running';
import { createRedis } from './runtime';

/**
 * Start the poller: watch the mailboxes, enqueue jobs. Kept apart from the triage wiring so that a
 * poller process never loads the parser, the model or the register.
 */
export function startPoller(config: Readonly<Config>, log: Logger, metrics?: Metrics): Running {
  const redis = createRedis(config);
  const queue = createTriageQueue(redis, config.redis.prefix, config.worker.attempts, config.worker.backoffMs);
  const onSync = (mailbox: string, info: SyncInfo) => {
    metrics?.ingested.inc({ mailbox }, info.enqueued);
    metrics?.lastPoll.set({ mailbox }, info.at.getTime() / 1000);
  };
  const poller = new Poller({ config, queue, checkpoints: new CheckpointStore(redis, config.redis.prefix), log, onSync });
  poller.start();
  const drop = config.dropFolder.path !== '' ? new DropFolderWatcher(config.dropFolder, queue, log.child({ stage: 'ingest', origin: 'drop' })) : null;
  drop?.start();
  // Health for the dashboard and operators: `${prefix}:poller:status:<mailbox>` (JSON, expires when
  // the poller is gone), refreshed every few seconds.
  const publish = () => {
    for (const st of poller.status()) {
      metrics?.imapConnected.set({ mailbox: st.mailbox }, st.connected ? 1 : 0);
      metrics?.imapIdle.set({ mailbox: st.mailbox }, st.idle ? 1 : 0);
      const key = `${config.redis.prefix}:poller:status:${st.mailbox}`;
      redis.set(key, JSON.stringify({ ...st, pid: process.pid, at: new Date().toISOString() }), 'EX', 30).catch(() => undefined);
    }
  };
  const timer = setInterval(publish, 5000);
  timer.unref();
  return {
    config,
    log,
    poller,
    async stop() {
      clearInterval(timer);
      drop?.stop();
      await poller.stop();
      await queue.close();
      redis.disconnect();
    },
  };
}

