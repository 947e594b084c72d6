import type { MlwCommand } from './command';

export const showLog: MlwCommand = {
  id: 'mlw.controlPlane.showLog',
  async run(context) {
    context.log.show();
  },
};
