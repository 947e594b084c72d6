import { jobArgument } from './arguments';
import type { MlwCommand } from './command';

export const showJobMetrics: MlwCommand = {
  id: 'mlw.job.showMetrics',
  async run(context, arg) {
    const name = await jobArgument(context, arg, 'Show the metrics of which job?');
    if (name) context.metrics.show(name);
    return name;
  },
};
