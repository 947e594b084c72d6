import type { MlwCommand } from './command';

export const refreshViews: MlwCommand = {
  id: 'mlw.views.refresh',
  async run(context) {
    context.views.refreshAll();
  },
};
