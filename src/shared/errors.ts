/**
 * Error classes with stable codes (`AIG_ERR_…`). A `PermanentError` means retrying cannot help
 * (broken MIME, message over a limit, unknown destination): the triage worker turns it into a
 * dead letter at once. Anything else is treated as transient and retried with backoff.
 */
export class AigError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Retrying will not help: dead-letter the message with this reason. */
export class PermanentError extends AigError {}

/** A configured limit was exceeded (size, attachments, PDF pages…): permanent. */
export class LimitError extends PermanentError {
  constructor(limit: string, message: string) {
    super('AIG_ERR_LIMIT', `${limit}: ${message}`);
  }
}

/** Configuration is invalid: stop start-up with the key and the reason. */
export class ConfigError extends AigError {
  constructor(message: string) {
    super('AIG_ERR_CONFIG', message);
  }
}

export function isPermanent(err: unknown): boolean {
  return err instanceof PermanentError;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
