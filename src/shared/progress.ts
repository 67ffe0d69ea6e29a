/**
 * A one-line progress bar on stderr for the long CLI runs (train, backtest, import, bench); silent
 * unless stderr is a terminal (or `enabled`).
 */
export function progressBar(total: number, label: string, enabled = process.stderr.isTTY === true): (done: number) => void {
  return (done) => {
    if (!enabled || total === 0) return;
    const width = 30;
    const n = Math.round((done / total) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(n)}${'.'.repeat(width - n)}] ${done}/${total}`);
    if (done === total) process.stderr.write('\n');
  };
}
