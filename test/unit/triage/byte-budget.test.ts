import { ByteBudget } from '../../../src/triage/byte-budget';

/** Resolves after pending microtasks and one macrotask: long enough for any grant to have happened. */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** A reservation whose grant can be observed. */
function track(budget: ByteBudget, bytes: number) {
  const t = { granted: false, release: (): void => undefined };
  void budget.reserve(bytes).then((release) => {
    t.granted = true;
    t.release = release;
  });
  return t;
}

describe('ByteBudget', () => {
  test('grants at once what fits, and makes the rest wait until bytes are given back', async () => {
    const b = new ByteBudget(100);
    const a = track(b, 60);
    const c = track(b, 30);
    const d = track(b, 20);
    await settle();
    expect([a.granted, c.granted, d.granted]).toEqual([true, true, false]);
    expect(b.inUse).toBe(90);
    expect(b.queued).toBe(1);
    c.release();
    await settle();
    expect(d.granted).toBe(true);
    expect(b.inUse).toBe(80);
  });

  test('serves waiting jobs in order: a large one at the head is not overtaken by small ones', async () => {
    const b = new ByteBudget(100);
    const first = track(b, 90);
    const large = track(b, 50);
    const small = track(b, 5);
    await settle();
    // The small one would fit (95), but the large one came first.
    expect([first.granted, large.granted, small.granted]).toEqual([true, false, false]);
    first.release();
    await settle();
    expect([large.granted, small.granted]).toEqual([true, true]);
    expect(b.inUse).toBe(55);
  });

  test('a message larger than the whole budget goes alone, once nothing else is held', async () => {
    const b = new ByteBudget(100);
    const small = track(b, 10);
    const huge = track(b, 500);
    const after = track(b, 10);
    await settle();
    expect([small.granted, huge.granted, after.granted]).toEqual([true, false, false]);
    small.release();
    await settle();
    expect([huge.granted, after.granted]).toEqual([true, false]);
    expect(b.inUse).toBe(500);
    huge.release();
    await settle();
    expect(after.granted).toBe(true);
    expect(b.inUse).toBe(10);
  });

  test('giving back twice counts once; zero and negative sizes hold nothing', async () => {
    const b = new ByteBudget(100);
    const a = track(b, 70);
    const z = track(b, 0);
    const n = track(b, -5);
    await settle();
    expect([a.granted, z.granted, n.granted]).toEqual([true, true, true]);
    a.release();
    a.release();
    expect(b.inUse).toBe(0);
  });

  test('tells the bytes held and the jobs waiting after each change', async () => {
    const seen: [number, number][] = [];
    const b = new ByteBudget(100, (held, waiting) => seen.push([held, waiting]));
    const a = track(b, 80);
    const c = track(b, 50);
    await settle();
    a.release();
    await settle();
    c.release();
    expect(seen).toEqual([
      [80, 0], // a granted
      [80, 1], // c waits
      [50, 0], // a gave back, c granted
      [0, 0], // c gave back
    ]);
  });

  test('refuses a limit that is not a positive integer', () => {
    expect(() => new ByteBudget(0)).toThrow(RangeError);
    expect(() => new ByteBudget(1.5)).toThrow(RangeError);
  });
});
