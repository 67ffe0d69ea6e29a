import { Coalescer } from '../../../src/triage/coalesce';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

function recorder(maxBatch: number, lingerMs?: number) {
  const batches: number[][] = [];
  const c = new Coalescer<number, string>((xs) => (batches.push(xs), xs.map((x) => `r${x}`)), maxBatch, lingerMs);
  return { c, batches };
}

test('calls of one tick go in one batch, and each gets its own result', async () => {
  const { c, batches } = recorder(100);
  const ps = [1, 2, 3].map((x) => c.call(x));
  await jest.advanceTimersByTimeAsync(0);
  expect(await Promise.all(ps)).toEqual(['r1', 'r2', 'r3']);
  expect(batches).toEqual([[1, 2, 3]]);
});

test('without linger, calls 5 ms apart are batches of their own', async () => {
  const { c, batches } = recorder(100);
  const ps: Promise<string>[] = [];
  for (const x of [1, 2, 3]) {
    ps.push(c.call(x));
    await jest.advanceTimersByTimeAsync(5);
  }
  await Promise.all(ps);
  expect(batches).toEqual([[1], [2], [3]]);
});

test('with a linger, calls within it join the first one, and a later call starts the next batch', async () => {
  const { c, batches } = recorder(100, 15);
  const ps: Promise<string>[] = [];
  for (const x of [1, 2, 3]) {
    ps.push(c.call(x));
    await jest.advanceTimersByTimeAsync(5);
  }
  await jest.advanceTimersByTimeAsync(10);
  expect(batches).toEqual([[1, 2, 3]]);
  ps.push(c.call(4));
  await jest.advanceTimersByTimeAsync(14);
  expect(batches).toHaveLength(1); // still lingering
  await jest.advanceTimersByTimeAsync(2);
  expect(await Promise.all(ps)).toEqual(['r1', 'r2', 'r3', 'r4']);
  expect(batches).toEqual([[1, 2, 3], [4]]);
});

test('a full batch does not linger, and the rest waits for the next batch', async () => {
  const { c, batches } = recorder(2, 1000);
  const ps = [1, 2, 3].map((x) => c.call(x));
  await jest.advanceTimersByTimeAsync(0);
  expect(batches).toEqual([[1, 2], [3]]);
  expect(await Promise.all(ps)).toEqual(['r1', 'r2', 'r3']);
});

test('a failed batch rejects each of its calls, and the next batch runs', async () => {
  let fail = true;
  const c = new Coalescer<number, number>((xs) => {
    if (fail) throw new Error('commit failed');
    return xs;
  }, 100);
  const a = [c.call(1), c.call(2)].map((p) => p.then(() => 'ok', (e: Error) => e.message));
  await jest.advanceTimersByTimeAsync(0);
  expect(await Promise.all(a)).toEqual(['commit failed', 'commit failed']);
  fail = false;
  const b = c.call(3);
  await jest.advanceTimersByTimeAsync(0);
  expect(await b).toBe(3);
});

test('maxBatch below 1 is refused', () => {
  expect(() => new Coalescer(() => [], 0)).toThrow(RangeError);
});
