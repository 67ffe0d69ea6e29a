import { z } from 'zod';
import { AUTO_DESTINATIONS } from '../classify/types';

/**
 * The one configuration schema. Each key has a description; defaults live in config/default.yaml
 * (never `x || default`, which would swallow 0 and false). Unknown keys are refused so that a typo
 * stops start-up instead of being ignored.
 */
const positiveInt = (what: string) => z.number().int().positive().describe(what);
const ms = (what: string) => z.number().int().positive().describe(`${what} (milliseconds)`);

export const mailboxSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'lower-case letters, digits and dashes (no dots or colons)').describe('Stable identifier of this mailbox in the register and job ids'),
    host: z.string().min(1).describe('IMAP server host'),
    port: z.number().int().min(1).max(65535).describe('IMAP server port'),
    secure: z.boolean().describe('Use implicit TLS (port 993); false = plain or STARTTLS'),
    user: z.string().min(1).describe('IMAP login'),
    passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).describe('Name of the environment variable that holds the password'),
    password: z.string().optional().describe('Resolved at load time from passwordEnv; never written in a file'),
    folder: z.string().min(1).describe('Folder to watch (usually INBOX)'),
    scanner: z.boolean().default(false).describe('Mail arriving here is a scanned postal letter (courrier)'),
  })
  .strict();

export const configSchema = z
  .object({
    redis: z
      .object({
        url: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').describe('Redis URL (BullMQ needs maxmemory-policy noeviction)'),
        prefix: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').describe('Key prefix of every queue and checkpoint'),
      })
      .strict(),
    register: z
      .object({
        path: z.string().min(1).describe('SQLite file of the register'),
        numberPrefix: z.string().regex(/^[A-Z][A-Z0-9]{0,9}$/, 'upper-case letters and digits').describe('Register number prefix, e.g. DAJ → DAJ-2026-000123'),
        replyDelayDays: positiveInt('Reply delay used to compute the deadline'),
      })
      .strict(),
    mailboxes: z.array(mailboxSchema).min(1).describe('Mailboxes to watch'),
    poller: z
      .object({
        idle: z.boolean().describe('Use IMAP IDLE when the server supports it'),
        sweepIntervalMs: ms('Catch-up sweep while in IDLE (an IDLE notification can be missed)'),
        pollIntervalMs: ms('Polling interval when IDLE is not available or disabled'),
        noopIntervalMs: ms('Without IDLE: how often a NOOP asks the server for new mail between polls (sub-second arrival without IDLE)'),
        reconnectMinMs: ms('First reconnect delay'),
        reconnectMaxMs: ms('Longest reconnect delay'),
      })
      .strict(),
    worker: z
      .object({
        concurrency: positiveInt('Jobs processed in parallel by one triage process'),
        maxInFlightBytes: positiveInt(
          'Bytes of message sources one triage process holds at once, from FETCH to register commit (jobs wait beyond it; a larger message goes alone)',
        ),
        attempts: positiveInt('Attempts for transient failures before the job fails'),
        backoffMs: ms('First retry delay (exponential)'),
        lockDurationMs: ms('Job lock: a job whose worker died is taken back after about this long'),
        stalledIntervalMs: ms('How often workers look for jobs whose worker died'),
      })
      .strict(),
    routing: z
      .object({
        rootFolder: z.string().regex(/^[^./\\]+$/, 'no dots or slashes (they are hierarchy delimiters)').describe('Parent folder of the destination folders'),
        errorFolder: z.string().regex(/^[^./\\]+$/, 'no dots or slashes').describe('Folder (under rootFolder) for dead letters'),
        registerKeyword: z
          .boolean()
          .describe(
            'Set an IMAP keyword holding the register number on each filed message (for people reading the mailbox; the register finds messages by UID and Message-ID either way). Costly on Dovecot, which re-sends a folder\'s whole keyword list on each new keyword',
          ),
      })
      .strict(),
    classify: z
      .object({
        rulesPath: z.string().min(1).describe('Shipped rules file'),
        localRulesPath: z.string().min(1).describe('Local override rules file (optional on disk)'),
        modelPath: z.string().min(1).describe('Trained model file'),
        threshold: z.number().gt(0).lt(1).describe('Confidence below which a message goes to review (the fallback for a destination without its own threshold)'),
        destinationThresholds: z
          .partialRecord(z.enum(AUTO_DESTINATIONS), z.number().gt(0).lt(1))
          .optional()
          .describe(
            'Confidence threshold per predicted destination (destination -> number in (0, 1)); a destination not listed uses `threshold`. Absent: the per-destination thresholds recommended in the model file (chosen by cross-validation at training time) apply; `{}` switches them off',
          ),
        reviewMargin: z.number().gt(0).lt(1).describe('Margin between the two best destinations below which an item is flagged low-margin'),
      })
      .strict(),
    index: z
      .object({
        scannerAddresses: z.array(z.string().email()).describe('Sender addresses of the mail scanner (courrier)'),
        sendersPath: z.string().min(1).describe('Sender directory (domain lists per kind)'),
      })
      .strict(),
    limits: z
      .object({
        maxMessageBytes: positiveInt('Largest message accepted (bytes)'),
        maxAttachments: positiveInt('Most attachments in one message'),
        maxHeaderLines: positiveInt('Most header lines'),
        maxHeaderBytes: positiveInt('Largest header block (bytes)'),
        maxNestingDepth: positiveInt('Deepest MIME nesting'),
        pdfMaxPages: positiveInt('Most PDF pages read'),
        pdfMaxBytes: positiveInt('Largest PDF read (bytes)'),
        pdfTimeoutMs: ms('PDF text extraction time limit'),
        maxTextChars: positiveInt('Text kept for indexing and classification (characters)'),
      })
      .strict(),
    dashboard: z
      .object({
        host: z.string().min(1).describe('Address the dashboard listens on (127.0.0.1 behind a reverse proxy)'),
        port: z.number().int().min(0).max(65535).describe('Dashboard HTTP port (0 = any free port, tests)'),
        usersPath: z.string().min(1).describe('YAML file of dashboard users (scrypt hashes), see `aiguillage user add`'),
        secureCookies: z.boolean().describe('Mark session cookies Secure (true whenever users reach the dashboard over HTTPS)'),
        trustProxy: z.boolean().describe('Trust X-Forwarded-* from a reverse proxy (client IP for the login rate limit)'),
        sessionTtlHours: positiveInt('Lifetime of a login session (hours)'),
        loginMaxAttempts: positiveInt('Login attempts per IP and user name within loginWindowMs before 429'),
        loginWindowMs: ms('Window of the login rate limit'),
        livePollMs: ms('How often the live list looks for new register rows'),
        retrainDelayMs: ms('Wait after a correction before retraining (corrections in that time share one retrain)'),
        modelVersionsDir: z.string().min(1).describe('Folder of the versioned models written by retraining'),
        trainingDir: z.string().min(1).describe('Labelled training corpus (<destination>/*.eml) used by retraining'),
      })
      .strict(),
    dropFolder: z
      .object({
        path: z.string().describe('Folder where scanned letters (.pdf) or saved mails (.eml) are dropped; empty = disabled'),
        pollIntervalMs: ms('How often the drop folder is scanned'),
        settleMs: ms('A file must be unchanged this long before it is taken (a scanner may still be writing it)'),
      })
      .strict(),
    metrics: z
      .object({
        port: z.number().int().min(0).max(65535).describe('Port of the /metrics, /healthz, /readyz server of a process running alone (0 = none)'),
        host: z.string().min(1).describe('Address that server listens on'),
      })
      .strict(),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).describe('pino log level') }).strict(),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type MailboxConfig = z.infer<typeof mailboxSchema>;
