/** Starting points for new specs (welcome views, "New Spec from Template"). */
export interface SpecTemplate {
  label: string;
  file: string;
  text: string;
}

const SCHEMAS = 'https://azuremlschemas.azureedge.net/latest';

export const SPEC_TEMPLATES: readonly SpecTemplate[] = [
  {
    label: 'Command job',
    file: 'jobs/job.yml',
    text: `$schema: ${SCHEMAS}/commandJob.schema.json\ntype: command\nexperiment_name: my-experiment\ncode: ./src\ncommand: python3 main.py --epochs \${{inputs.epochs}}\ninputs:\n  epochs: 3\nenvironment:\n  image: localtest/python:3-bookworm\ncompute: azureml:local\n`,
  },
  {
    label: 'Environment',
    file: 'environments/environment.yml',
    text: `$schema: ${SCHEMAS}/environment.schema.json\nname: my-env\nversion: 1\nimage: localtest/python:3-bookworm\n`,
  },
  {
    label: 'Data asset',
    file: 'data/data.yml',
    text: `$schema: ${SCHEMAS}/data.schema.json\nname: my-data\nversion: 1\ntype: uri_folder\npath: ./files\n`,
  },
  {
    label: 'Compute (local process)',
    file: 'compute/local.yml',
    text: `name: local\ntype: local\nmax_instances: 1\n`,
  },
  {
    label: 'Model',
    file: 'models/model.yml',
    text: `$schema: ${SCHEMAS}/model.schema.json\nname: my-model\nversion: 1\ntype: custom_model\npath: ./model\n`,
  },
];
