import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * One pino logger, created at the edge (workers/, CLI) and passed down; stages take child loggers
 * with `jobId` / `registerNo`. Personal data must never be logged at info level: these paths are
 * redacted as a safety net in case a caller passes a whole object by mistake.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'pass',
  '*.pass',
  'auth.pass',
  'text',
  '*.text',
  'html',
  '*.html',
  'body',
  '*.body',
  'subject',
  '*.subject',
  'from',
  '*.from',
  '*.name',
  'nir',
  '*.nir',
  'source',
  '*.source',
];

export function createLogger(level: string, destination?: pino.DestinationStream, name = 'aiguillage'): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[masqué]' },
    base: { pid: process.pid },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that writes nothing (tests of pure logic, offline CLI). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
