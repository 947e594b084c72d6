/** A model deployment of `code/score.py` on the host, with `settings` as YAML lines (indented by 2). */
export function batchDeployment(settings: string[], extra = ''): string {
  return [
    '$schema: https://azuremlschemas.azureedge.net/latest/batchDeployment.schema.json',
    'name: dpl',
    'endpoint_name: scorer',
    'model:',
    '  path: ./model',
    'code_configuration:',
    '  code: ./code',
    '  scoring_script: score.py',
    'compute: azureml:local',
    ...(settings.length ? ['settings:', ...settings.map((line) => `  ${line}`)] : []),
    extra,
  ].join('\n');
}
