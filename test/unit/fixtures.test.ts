import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { globSync } from 'tinyglobby';
import { validateFiles, type LocatedDiagnostic } from '../../core/language';
import { expectedDiagnostics, type ExpectedDiagnostic } from '../support/markers';

const root = path.resolve(import.meta.dirname, '../fixtures');
const files = globSync('**/*.{yml,yaml}', { cwd: root, absolute: true }).map((f) => path.resolve(f)).sort();
const results = new Map(validateFiles(files, root).map((r) => [r.path, r]));

function show(d: LocatedDiagnostic): string {
  return `${d.line}:${d.column}-${d.endLine === d.line ? d.endColumn : `${d.endLine}:${d.endColumn}`} ${d.severity} ${d.rule} ${d.message}`;
}

function matches(actual: LocatedDiagnostic, expected: ExpectedDiagnostic): boolean {
  return (
    actual.line === expected.line &&
    actual.column === expected.column &&
    (actual.endLine !== actual.line || actual.endColumn === expected.endColumn) &&
    actual.severity === expected.severity &&
    actual.rule === expected.rule &&
    (expected.contains === undefined || actual.message.includes(expected.contains))
  );
}

describe('fixtures', () => {
  for (const file of files) {
    const relative = path.relative(root, file);
    const group = relative.split(path.sep)[1];
    if (group !== 'valid' && group !== 'invalid') continue;
    it(relative, () => {
      const result = results.get(file)!;
      const expected = expectedDiagnostics(fs.readFileSync(file, 'utf8'));
      if (group === 'valid') {
        // Valid specs (Azure ML accepts them) have no errors; markers state what mlw says about what it will not run.
        assert.ok(result.kind || !/\$schema|^type:/m.test(fs.readFileSync(file, 'utf8')), `${relative} was not recognised as a spec`);
        assert.deepEqual(expected.filter((e) => e.severity === 'error'), [], `${relative}: valid fixtures expect no errors`);
      } else {
        assert.ok(expected.length > 0, `${relative} has no expectation markers`);
      }
      const unmatched = [...result.diagnostics];
      const missing: ExpectedDiagnostic[] = [];
      for (const e of expected) {
        const index = unmatched.findIndex((a) => matches(a, e));
        if (index >= 0) unmatched.splice(index, 1);
        else missing.push(e);
      }
      assert.deepEqual(
        { missing: missing.map((e) => `${e.line}:${e.column}-${e.endColumn} ${e.severity} ${e.rule}${e.contains ? ` "${e.contains}"` : ''}`), unexpected: unmatched.map(show) },
        { missing: [], unexpected: [] },
      );
    });
  }
});
