import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseReference } from '../../core/language';

it('parses every reference form of DESIGN §2', () => {
  const cases: Array<[string, unknown]> = [
    ['azureml:sklearn-env:3', { form: 'asset', name: 'sklearn-env', version: '3' }],
    ['azureml:sklearn-env@latest', { form: 'asset', name: 'sklearn-env', label: 'latest' }],
    ['azureml:cpu-cluster', { form: 'asset', name: 'cpu-cluster' }],
    ['azureml:/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/environments/env/versions/2', { form: 'arm', workspace: 'ws', asset: 'environment', name: 'env', version: '2' }],
    ['azureml:/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/cpu', { form: 'arm', workspace: 'ws', asset: 'compute', name: 'cpu' }],
    ['azureml://registries/azureml/environments/sklearn-1.5/versions/1', { form: 'registry', registry: 'azureml', asset: 'environment', name: 'sklearn-1.5', version: '1' }],
    ['azureml://registries/azureml/models/phi/labels/latest', { form: 'registry', registry: 'azureml', asset: 'model', name: 'phi', label: 'latest' }],
    ['azureml://datastores/workspaceblobstore/paths/raw/iris.csv', { form: 'datastore-path', datastore: 'workspaceblobstore', path: 'raw/iris.csv' }],
    ['azureml://jobs/job-1/outputs/model/paths/model.pkl', { form: 'job-output', job: 'job-1', output: 'model', path: 'model.pkl' }],
    ['file:./train.yml', { form: 'file', path: './train.yml' }],
    ['./src', { form: 'file', path: './src' }],
    ['https://example.com/data.csv', { form: 'remote', url: 'https://example.com/data.csv' }],
    ['wasbs://c@a.blob.core.windows.net/p', { form: 'remote', url: 'wasbs://c@a.blob.core.windows.net/p' }],
    ['abfss://fs@a.dfs.core.windows.net/p', { form: 'remote', url: 'abfss://fs@a.dfs.core.windows.net/p' }],
  ];
  for (const [raw, expected] of cases) assert.deepEqual(parseReference(raw), expected, raw);
  assert.equal(parseReference('${{parent.inputs.data}}'), undefined);
  assert.equal(parseReference('  '), undefined);
});
