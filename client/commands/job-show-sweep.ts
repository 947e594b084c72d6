import { jobArgument } from './arguments';
import type { MlwCommand } from './command';

export const showJobSweep: MlwCommand = {
  id: 'mlw.job.showSweep',
  async run(context, arg) {
    const name = await jobArgument(context, arg, 'Show the trials of which sweep?', (job) => job.type === 'sweep');
    if (name) context.sweeps.show(name);
    return name;
  },
};
