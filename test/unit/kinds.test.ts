import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpecDocument, SCHEMA_URL_PREFIXES, allKinds } from '../../core/language';

function detect(text: string): string | undefined {
  const d = SpecDocument.parse('/w/x.yml', text).detection;
  if (!d) return undefined;
  return 'kind' in d ? `${d.kind} via ${d.via}` : `unsupported ${d.unsupported}`;
}

describe('kind detection', () => {
  it('maps every known $schema prefix and file name variant offline', () => {
    for (const prefix of SCHEMA_URL_PREFIXES) {
      assert.equal(detect(`$schema: ${prefix}commandJob.schema.json\n`), 'job/command via $schema', prefix);
      assert.equal(detect(`$schema: ${prefix}CommandJob.json\n`), 'job/command via $schema', prefix);
    }
    assert.equal(detect('$schema: http://azureml/sdk-2-0/CommandComponent.json\n'), 'component/command via $schema');
    assert.equal(detect('$schema: https://azuremlschemas.azureedge.net/latest/AMLCompute.schema.json\n'), 'compute/amlcompute via $schema');
    assert.equal(detect('$schema: ../schemas/pipelineJob.schema.json\n'), 'job/pipeline via $schema');
  });

  it('knows a schema for every kind', () => {
    for (const kind of allKinds()) {
      if (kind.id === 'compute/local' || kind.id === 'datastore/local') continue;
      assert.match(detect(`$schema: https://azuremlschemas.azureedge.net/latest/${kind.schema}\n`) ?? '', new RegExp(`^${kind.id} `));
    }
  });

  it('falls back to the top-level type', () => {
    assert.equal(detect('type: command\ncommand: echo\n'), 'job/command via type');
    assert.equal(detect('type: command\nname: c\nversion: 1\ncommand: echo\n'), 'component/command via type');
    assert.equal(detect('type: sweep\n'), 'job/sweep via type');
    assert.equal(detect('type: pipeline\njobs: {}\n'), 'job/pipeline via type');
    assert.equal(detect('type: amlcompute\nname: c\n'), 'compute/amlcompute via type');
    assert.equal(detect('type: local\nname: local\n'), 'compute/local via type');
    assert.equal(detect('type: local\nname: files\npath: ./data\n'), 'datastore/local via type');
    assert.equal(detect('type: uri_folder\npath: ./d\n'), 'data via type');
    assert.equal(detect('type: mlflow_model\npath: ./m\n'), 'model via type');
  });

  it('maps the AutoML task schemas, parallel and Spark jobs and components', () => {
    const latest = 'https://azuremlschemas.azureedge.net/latest/';
    assert.equal(detect(`$schema: ${latest}autoMLJob.schema.json\n`), 'job/automl via $schema');
    assert.equal(detect(`$schema: ${latest}imageObjectDetectionJob.schema.json\n`), 'job/automl via $schema');
    assert.equal(detect(`$schema: ${latest}textNerJob.schema.json\n`), 'job/automl via $schema');
    assert.equal(detect(`$schema: ${latest}parallelJob.schema.json\n`), 'job/parallel via $schema');
    assert.equal(detect(`$schema: ${latest}sparkJob.schema.json\n`), 'job/spark via $schema');
    assert.equal(detect(`$schema: ${latest}parallelComponent.schema.json\n`), 'component/parallel via $schema');
    assert.equal(detect(`$schema: ${latest}sparkComponent.schema.json\n`), 'component/spark via $schema');
    assert.equal(detect(`$schema: ${latest}modelBatchDeployment.schema.json\n`), 'deployment/batch via $schema');
    assert.equal(detect(`$schema: ${latest}pipelineComponentBatchDeployment.schema.json\n`), 'deployment/batch via $schema');
    assert.equal(detect('type: automl\ntask: regression\n'), 'job/automl via type');
    assert.equal(detect('type: parallel\ntask: {entry_script: s.py}\n'), 'job/parallel via type');
    assert.equal(detect('type: parallel\nname: p\nversion: 1\n'), 'component/parallel via type');
    assert.equal(detect('type: spark\nentry: {file: a.py}\n'), 'job/spark via type');
    assert.equal(detect('type: spark\nname: s\nversion: 1\n'), 'component/spark via type');
    assert.equal(detect('type: import\nsource: {}\n'), 'job/import via type');
  });

  it('falls back to a yaml-language-server modeline', () => {
    assert.equal(detect('# yaml-language-server: $schema=https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: e\n'), 'environment via modeline');
  });

  it('reports kinds it does not support by name', () => {
    assert.equal(detect('$schema: https://azuremlschemas.azureedge.net/latest/dataTransferJob.schema.json\n'), 'unsupported datatransferjob');
    assert.equal(detect('$schema: https://azuremlschemas.azureedge.net/promptflow/latest/Flow.schema.json\n'), 'unsupported flow');
  });

  it('leaves conda files and unrelated YAML alone', () => {
    assert.equal(detect('name: e\nchannels: [defaults]\ndependencies: [python=3.11]\n'), undefined);
    assert.equal(detect('dependencies:\n  - numpy\n'), undefined);
    assert.equal(detect('$schema: https://json.schemastore.org/github-workflow.json\non: push\n'), undefined);
    assert.equal(detect('type: something-else\n'), undefined);
    assert.equal(detect('- a\n- b\n'), undefined);
  });
});

it('types a document by its kind', async () => {
  const { specOf } = await import('../../core/language');
  const doc = SpecDocument.parse('/w/env.yml', '$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: py\nversion: 2\nimage: localtest/python:3-bookworm\n');
  assert.equal(specOf(doc, 'environment')?.image, 'localtest/python:3-bookworm');
  assert.equal(specOf(doc, 'job/command'), undefined);
});
