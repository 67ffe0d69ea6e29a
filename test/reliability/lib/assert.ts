import type { Figures } from './figures';

/** The invariant of every scenario: nothing lost, nothing doubled, every message in its one place. */
export function expectClean(f: Figures): void {
  expect({ duplicates: f.duplicates, lost: f.lost, problems: f.problems }).toEqual({ duplicates: 0, lost: 0, problems: [] });
  expect(f.registered).toBe(f.appended);
  expect(f.moved).toBe(f.appended);
}
