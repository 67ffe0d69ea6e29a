/** Jest globalTeardown: stop what global-setup.ts started and remove the run's temp dir. */
import { rmSync } from 'node:fs';
import { SERVICES_KEY, type TestServices } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const store = globalThis as Record<string, unknown>;
  const services = store[SERVICES_KEY] as TestServices | undefined;
  if (services === undefined) return;
  delete store[SERVICES_KEY];
  // Both stops are attempted even if one fails; `stop()` of a Redis we did not start does nothing.
  const results = await Promise.allSettled([services.dovecot.stop(), services.redis.stop()]);
  rmSync(services.runDir, { recursive: true, force: true });
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
