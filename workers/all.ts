import { onShutdown } from '../src/app/runtime';
import { loadRuntimeConfig, startPoller, startTriage } from '../src/app/start';
import { fatal } from './fatal';

/** `npm start`: poller and triage worker in one process, for a small installation. */
(async () => {
  const { config, log } = loadRuntimeConfig();
  const triage = await startTriage(config, log);
  const poller = startPoller(config, log);
  onShutdown(async () => {
    await poller.stop();
    await triage.stop();
  }, log);
})().catch(fatal);
