import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { roleAllowsSpec } from '../../client/control-plane/role';
import { specKindOfText } from '../../client/editor/spec-kind';

const repo = path.resolve(import.meta.dirname, '../..');
const spec = (file: string) => {
  const kind = specKindOfText(fs.readFileSync(path.join(repo, 'examples', file), 'utf8'));
  assert.ok(kind, file);
  return kind;
};

test('the editor offers Submit and Create by the role, as the control plane allows them', () => {
  const job = spec('hello/job.yml');
  const compute = spec('compute/local.yml');
  const data = spec('data/iris.yml');
  const offered = (role: Parameters<typeof roleAllowsSpec>[0]) => [job, compute, data].map((kind) => roleAllowsSpec(role, kind));
  assert.deepEqual(offered('owner'), [true, true, true]);
  assert.deepEqual(offered('data-scientist'), [true, false, true], 'a data scientist sees no compute create');
  assert.deepEqual(offered('reader'), [false, false, false], 'a reader sees no submit and no create');
  assert.deepEqual(offered(undefined), [true, true, true], 'before connecting, the control plane decides');
});

interface MenuItem {
  command: string;
  when?: string;
}

test('menus of changing actions carry the role in their when clauses', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { contributes: { menus: Record<string, MenuItem[]> } };
  const { menus } = manifest.contributes;
  const items = (menu: string, command: string) => menus[menu]!.filter((item) => item.command === command);
  for (const item of [...items('view/item/context', 'mlw.job.cancel'), ...items('view/item/context', 'mlw.job.rerun')]) assert.match(item.when ?? '', /mlw\.role != 'reader'/, item.command);
  const archive = items('view/item/context', 'mlw.asset.archive');
  assert.equal(archive.length, 2);
  assert.match(archive.find((item) => item.when?.includes('compute|datastores'))!.when!, /mlw\.role != 'reader' && mlw\.role != 'data-scientist'/);
  assert.match(archive.find((item) => item.when?.includes('data|environments'))!.when!, /mlw\.role != 'reader'/);
  for (const command of ['mlw.job.submit', 'mlw.asset.create']) assert.match(items('editor/title', command)[0]!.when!, /mlw\.spec\.allowed/, command);
});
