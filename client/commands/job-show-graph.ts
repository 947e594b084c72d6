import { jobArgument } from './arguments';
import type { MlwCommand } from './command';

export const showJobGraph: MlwCommand = {
  id: 'mlw.job.showGraph',
  async run(context, arg) {
    const name = await jobArgument(context, arg, 'Show the graph of which pipeline?', (job) => job.type === 'pipeline');
    if (name) context.graphs.show(name);
    return name;
  },
};
