/** Start-up failed (bad configuration, missing model…): say why on stderr and exit non-zero. */
export function fatal(err: unknown): never {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`aiguillage: ${e.code ? e.code + ': ' : ''}${e.message ?? String(err)}\n`);
  process.exit(1);
}
