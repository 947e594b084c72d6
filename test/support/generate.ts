/** A realistic pipeline job with `steps` command steps (about 36 lines each), for parsing tests and benchmarks. */
export function pipelineText(steps: number): string {
  const lines = [
    '$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json',
    'type: pipeline',
    'display_name: generated',
    'experiment_name: generated',
    'settings:',
    '  default_compute: azureml:cpu-cluster',
    'inputs:',
    '  learning_rate: 0.01',
    'jobs:',
  ];
  for (let i = 0; i < steps; i++) {
    const previous = i === 0 ? '${{parent.inputs.learning_rate}}' : `\${{parent.jobs.step_${i - 1}.outputs.model_dir}}`;
    lines.push(
      `  step_${i}:`,
      '    type: command',
      `    description: Step ${i} of the generated pipeline.`,
      '    code: ./src',
      '    command: >-',
      '      python train.py --data ${{inputs.data}} --lr ${{inputs.learning_rate}}',
      '      --out ${{outputs.model_dir}}',
      '    environment:',
      '      image: localtest/python:3-bookworm',
      '      conda_file:',
      '        channels: [conda-forge]',
      '        dependencies:',
      '          - python=3.11',
      '          - pip:',
      '              - mlflow==2.12.2',
      '    compute: azureml:cpu-cluster',
      '    resources:',
      '      instance_count: 1',
      '    inputs:',
      `      data: ${previous}`,
      '      learning_rate: ${{parent.inputs.learning_rate}}',
      '      extra:',
      '        type: uri_file',
      '        path: azureml://datastores/workspaceblobstore/paths/extra.csv',
      '        mode: download',
      '    outputs:',
      '      model_dir:',
      '        type: uri_folder',
      '        mode: rw_mount',
      '    environment_variables:',
      `      STEP_INDEX: "${i}"`,
      '    tags:',
      '      stage: train',
    );
  }
  return lines.join('\n') + '\n';
}
