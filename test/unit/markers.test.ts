import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expectedDiagnostics } from '../support/markers';

it('reads caret markers, counting a leading # as a caret', () => {
  const text = ['type: comand', '#     ^^^^^^ error invalid-value: did you mean', 'jobs:', '#^^^ warning some-rule'].join('\n');
  assert.deepEqual(expectedDiagnostics(text), [
    { line: 1, column: 7, endColumn: 13, severity: 'error', rule: 'invalid-value', contains: 'did you mean' },
    { line: 3, column: 1, endColumn: 5, severity: 'warning', rule: 'some-rule' },
  ]);
});
