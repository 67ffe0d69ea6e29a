import type { Logger } from '../shared/logger';
import type { Metrics } from '../shared/metrics';

/** Keyword counts at which a destination folder is worth a warning (each level once per process). */
export const KEYWORD_WARN_LEVELS = [2000, 5000, 10000, 20000, 50000] as const;
/** Worker CPU per new keyword for each 1000 keywords the folder holds, measured on Dovecot 2.3
 *  (README, Known limits): the server re-sends the whole list (FLAGS and PERMANENTFLAGS). */
const CPU_MS_PER_THOUSAND = 1.2;

/**
 * Watches how many IMAP keywords each destination folder holds once register keywords are set in
 * it: a gauge, and a warning when a folder crosses each of KEYWORD_WARN_LEVELS. Dovecot never
 * forgets a keyword, so with `routing.registerKeyword` the count grows with every message filed.
 */
export function keywordWatch(log: Logger, metrics?: Metrics): (mailbox: string, folder: string, keywords: number) => void {
  const warned = new Map<string, number>();
  return (mailbox, folder, keywords) => {
    metrics?.folderKeywords.set({ mailbox, folder }, keywords);
    const level = KEYWORD_WARN_LEVELS.filter((l) => keywords >= l).pop();
    const key = `${mailbox}\u0000${folder}`;
    if (level === undefined || (warned.get(key) ?? 0) >= level) return;
    warned.set(key, level);
    log.warn(
      { mailbox, folder, keywords, extraCpuMsPerMessage: Math.round((keywords / 1000) * CPU_MS_PER_THOUSAND * 10) / 10 },
      'destination folder holds many IMAP keywords: each new register keyword makes the server re-send them all; set routing.registerKeyword: false to stop the growth (the register keeps each UID)',
    );
  };
}
