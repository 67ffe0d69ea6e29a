import { accuracy, confusionMatrix, coverage, logLoss, macroF1, perClass } from '../../../src/classify/metrics';

// Hand-computed case: 6 messages, 3 classes.
//   truth:     a a a b b c
//   predicted: a a b b c c
// a: tp=2 fp=0 fn=1 -> P=1, R=2/3, F1=0.8
// b: tp=1 fp=1 fn=1 -> P=0.5, R=0.5, F1=0.5
// c: tp=1 fp=1 fn=0 -> P=0.5, R=1, F1=2/3
const pairs = [
  { truth: 'a', predicted: 'a' },
  { truth: 'a', predicted: 'a' },
  { truth: 'a', predicted: 'b' },
  { truth: 'b', predicted: 'b' },
  { truth: 'b', predicted: 'c' },
  { truth: 'c', predicted: 'c' },
];
const labels = ['a', 'b', 'c', 'd'];

describe('metrics', () => {
  it('accuracy', () => {
    expect(accuracy(pairs)).toBeCloseTo(4 / 6);
    expect(accuracy([])).toBe(0);
  });

  it('per-class precision, recall, F1 and support', () => {
    const [a, b, c, d] = perClass(labels, pairs);
    expect(a).toMatchObject({ precision: 1, support: 3 });
    expect(a!.recall).toBeCloseTo(2 / 3);
    expect(a!.f1).toBeCloseTo(0.8);
    expect(b).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(c!.f1).toBeCloseTo(2 / 3);
    expect(d).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('macro-F1 averages the classes present only', () => {
    expect(macroF1(perClass(labels, pairs), pairs)).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3);
  });

  it('confusion matrix rows are truth, columns predictions', () => {
    expect(confusionMatrix(['a', 'b', 'c'], pairs)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('coverage and misroute rate among routed', () => {
    const routed = pairs.map((p, i) => ({ ...p, routed: i !== 2 && i !== 5 }));
    // routed: 0,1,3,4 -> 4/6; misrouted among them: #4 (b->c) -> 1/4
    expect(coverage(routed)).toEqual({ coverage: 4 / 6, misrouteRate: 0.25, routed: 4, misrouted: 1 });
    expect(coverage([])).toEqual({ coverage: 0, misrouteRate: 0, routed: 0, misrouted: 0 });
  });

  it('log-loss', () => {
    expect(logLoss([[0.5, 0.5], [0.25, 0.75]], [0, 1])).toBeCloseTo((Math.log(2) + Math.log(4 / 3)) / 2);
  });
});
