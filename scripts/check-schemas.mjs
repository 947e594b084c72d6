// Compiles every schema in schemas/ and validates each test/fixtures/**/valid/*.yml against the schema
// its `$schema` names (by file name). Exit 1 on any compile or validation error.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { globSync } from 'tinyglobby';
import { createAjv, SCHEMA_BASE_URL } from '../core/language/schema/validator.ts';

const root = path.resolve(import.meta.dirname, '..');
const ajv = createAjv();
const files = fs.readdirSync(path.join(root, 'schemas')).filter((f) => f.endsWith('.schema.json'));
for (const f of files) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(root, 'schemas', f), 'utf8')));
let failures = 0;
const byName = new Map();
for (const f of files) {
  try {
    byName.set(f.toLowerCase(), ajv.getSchema(SCHEMA_BASE_URL + f));
  } catch (e) {
    failures++;
    console.error(`${f}: does not compile: ${e.message}`);
  }
}
for (const fixture of globSync('test/fixtures/**/valid/**/*.{yml,yaml}', { cwd: root })) {
  const doc = YAML.parse(fs.readFileSync(path.join(root, fixture), 'utf8'), { merge: true });
  const url = doc && typeof doc.$schema === 'string' ? doc.$schema : '';
  const name = url.split('/').pop()?.toLowerCase().replace(/\.json$/, '').replace(/\.schema$/, '') + '.schema.json';
  const validate = byName.get(name);
  if (!validate) { console.log(`${fixture}: no schema for ${url || '(no $schema)'}; skipped`); continue; }
  if (!validate(doc)) {
    failures++;
    console.error(`${fixture}:`);
    for (const e of validate.errors) console.error(`  ${e.instancePath || '/'} ${e.keyword}: ${e.message} ${JSON.stringify(e.params)}`);
  }
}
console.log(failures ? `${failures} failure(s)` : `${files.length} schemas compile; valid fixtures pass`);
process.exit(failures ? 1 : 0);
