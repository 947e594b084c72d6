import { jobArgument } from './arguments';
import type { MlwCommand } from './command';

export const showJobLogs: MlwCommand = {
  id: 'mlw.job.showLogs',
  async run(context, arg) {
    const name = await jobArgument(context, arg, 'Show the logs of which job?');
    if (name) context.channels.show(name, { preserveFocus: false });
    return name;
  },
};
