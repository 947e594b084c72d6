import path from 'node:path';
import fs from 'node:fs';
import { SpecDocument, SpecValidator, WorkspaceIndex, yamlFilesUnder, type SpecDiagnostic } from '../../core/language';

export const fixturesRoot = path.resolve(import.meta.dirname, '../fixtures');

let fixtureIndex: WorkspaceIndex | undefined;

/** The assets the fixture workspace defines (test/fixtures/_workspace and the valid fixtures). */
export function fixturesIndex(): WorkspaceIndex {
  if (!fixtureIndex) {
    fixtureIndex = new WorkspaceIndex(fixturesRoot);
    for (const file of yamlFilesUnder(fixturesRoot)) fixtureIndex.updateFromText(file, fs.readFileSync(file, 'utf8'));
  }
  return fixtureIndex;
}

/** Validates `text` as if it were `name` inside the fixture workspace; diagnostics get 1-based line:col. */
export function check(text: string, name = 'inline/job.yml', index = fixturesIndex()): Array<SpecDiagnostic & { at: string }> {
  const doc = SpecDocument.parse(path.join(fixturesRoot, name), text);
  const validator = new SpecValidator({ index });
  return validator.validate(doc).map((d) => {
    const p = doc.position(d.start);
    return { ...d, at: `${p.line + 1}:${p.character + 1}` };
  });
}

export function rules(diagnostics: Array<{ rule: string }>): string[] {
  return diagnostics.map((d) => d.rule);
}
