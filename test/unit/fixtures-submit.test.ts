import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { globSync } from 'tinyglobby';
import { ApiError } from '../../core/api/client';
import { REFUSED_ON_SUBMIT, validateFiles } from '../../core/language';
import { findingLines, startPlane } from '../support/control-plane';
import { tempDir } from '../support/temp';

const fixtures = path.resolve(import.meta.dirname, '../fixtures');
const JOB_GROUPS = ['command-job', 'sweep-job', 'pipeline-job'];

/**
 * "Valid in the editor" means "runs": every valid job fixture is accepted on submit, or refused only for a reason the
 * editor already shows at the same position (a reference mlw cannot resolve, a multi-node job), or for a job kind
 * mlw does not run yet with a message that says so. A compute whose engine cannot be reached from here (a Swarm
 * manager, a remote engine) answers 503, which says nothing of the spec.
 */
test('every valid job fixture is accepted on submit, or refused for a reason the editor shows', async (t) => {
  const root = await tempDir(t, 'mlw-fixtures-submit-');
  fs.cpSync(fixtures, root, { recursive: true });
  fs.mkdirSync(path.join(root, '.mlw'));
  const plane = await startPlane(t, root);
  const files = JOB_GROUPS.flatMap((group) => globSync(`${group}/valid/*.{yml,yaml}`, { cwd: root })).sort();
  assert.ok(files.length >= 10, `found only ${files.length} job fixtures`);
  const outcomes: string[] = [];
  for (const file of files) {
    try {
      const { job } = await plane.client.jobs.submit({ path: path.join(root, file) });
      await plane.client.jobs.cancel(job.name);
      outcomes.push(`${file}: accepted`);
    } catch (error) {
      assert.ok(error instanceof ApiError, `${file}: ${String(error)}`);
      if (error.status === 501) {
        assert.match(error.message, /(jobs|steps|components) are not supported yet/, file);
        assert.ok(editorFindings(root, file).some((f) => / not-runnable-yet .*do not run on mlw yet/.test(f)), `${file}: the editor does not say what does not run`);
        outcomes.push(`${file}: not run yet (${error.message})`);
        continue;
      }
      if (error.status === 503) {
        // the compute's engine cannot be reached here (a Swarm manager, a remote engine): not a matter of the spec
        assert.match(error.message, /compute|engine|manager/i, file);
        outcomes.push(`${file}: compute unavailable (${error.message})`);
        continue;
      }
      const findings = findingLines(error);
      assert.ok(findings.length > 0, `${file} was refused without a finding the editor could show: ${error.message}`);
      const shown = editorFindings(root, file);
      for (const finding of findings) {
        const [where, severity, rule, ...message] = finding.split(' ');
        assert.equal(severity, 'error', finding);
        assert.ok(REFUSED_ON_SUBMIT.has(rule!), `${file} was refused for ${finding}, which the editor does not announce as refused on submit`);
        assert.ok(shown.includes(`${where} ${rule} ${message.join(' ')}`), `${file}: the editor does not show ${finding}\n${shown.join('\n')}`);
      }
      outcomes.push(`${file}: refused (${findings.length} finding${findings.length === 1 ? '' : 's'} the editor shows)`);
    }
  }
  t.diagnostic(outcomes.join('\n'));
  assert.ok(outcomes.some((o) => o.endsWith('accepted')), 'no valid fixture was accepted at all');
});

function editorFindings(root: string, file: string): string[] {
  const [result] = validateFiles([path.join(root, file)], root);
  return result!.diagnostics.filter((d) => d.severity !== 'error').map((d) => `${file}:${d.line}:${d.column} ${d.rule} ${d.message}`);
}
