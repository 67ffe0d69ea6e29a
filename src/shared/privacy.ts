/**
 * Masking of personal data before it reaches a log line, a CLI output or an export.
 * The NIR (French social security number, 13 digits + 2-digit key, with 2A/2B for Corsica) is the
 * main threat: it identifies a person for life.
 */
const NIR_RE = /\b([12378])[\s.-]?(\d{2})[\s.-]?(\d{2}|2A|2B)[\s.-]?(\d{2}|2A|2B)[\s.-]?(\d{3})[\s.-]?(\d{3})[\s.-]?(\d{2})\b/gi;

/** Mask one NIR: keep only the last 4 characters (the configured default rule). */
export function maskNir(nir: string): string {
  const compact = nir.replace(/[\s.-]/g, '');
  if (compact.length <= 4) return '*'.repeat(compact.length);
  return '*'.repeat(compact.length - 4) + compact.slice(-4);
}

/** Mask every NIR-shaped sequence in free text (whether or not its key is valid: be safe). */
export function maskNirsInText(text: string): string {
  return text.replace(NIR_RE, (m) => maskNir(m));
}

/** Mask an e-mail address: keep the domain (useful for routing diagnostics), hide the local part. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***@${address.slice(at + 1)}`;
}
