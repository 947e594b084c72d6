import { SpecDocument } from '../../core/language';
import type { MlwLanguageService } from './language-service';

/** A small pipeline job touching the parser, the pipeline schema and the rules the way real specs do. */
function sampleSpec(steps: number): string {
  const lines = ['$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json', 'type: pipeline', 'experiment_name: warm-up', 'inputs:', '  lr: 0.01', 'jobs:'];
  for (let i = 0; i < steps; i++) {
    lines.push(`  step_${i}:`, '    type: command', '    command: python train.py --lr ${{inputs.lr}} --out ${{outputs.model}}', '    environment: azureml:warm-up-env:1', '    compute: azureml:cpu', '    resources:', '      instance_count: 1', '    inputs:', `      lr: \${{parent.inputs.lr}}`, '    outputs:', '      model:', '        type: uri_folder', '        mode: rw_mount');
  }
  return lines.join('\n') + '\n';
}

/**
 * Runs the parser and the validator over a sample spec while the server is idle after `initialized`, one small
 * step per turn of the event loop, so the first real document does not pay for JIT warm-up and the pipeline
 * schema's compilation. Stops as soon as a document is open.
 */
export function warmUp(service: MlwLanguageService, rounds = 6): Promise<void> {
  const text = sampleSpec(12);
  let previous: SpecDocument | undefined;
  return new Promise((resolve) => {
    const step = (round: number) => {
      if (round >= rounds || service.documents.uris().length > 0) return resolve();
      // alternate full and incremental parses, as opens and edits do
      const doc = SpecDocument.parse('/warm-up/pipeline.yml', round % 2 ? text.replace('lr: 0.01', `lr: 0.0${round}`) : text, round % 2 ? previous : undefined);
      service.validator.validate(doc);
      previous = round % 2 ? undefined : doc;
      setImmediate(() => step(round + 1));
    };
    setImmediate(() => step(0));
  });
}
