import { expandUidSet } from '../../../src/route/append';

test('an APPENDUID uid-set gives its UIDs in ascending order', () => {
  expect(expandUidSet('7')).toEqual([7]);
  expect(expandUidSet('7:9')).toEqual([7, 8, 9]);
  expect(expandUidSet('9:7')).toEqual([7, 8, 9]);
  expect(expandUidSet('7:9,12,14:15')).toEqual([7, 8, 9, 12, 14, 15]);
});

test('anything else is no uid-set (the caller then refuses to pair UIDs with messages)', () => {
  for (const bad of ['', 'x', '0', '3:0', '1,,2', '1:2:3', '-1', '1:*', '5:2000000']) expect(expandUidSet(bad)).toEqual([]);
});
