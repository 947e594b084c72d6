import { Command } from 'commander';
import { registerValidate } from './commands/validate';

declare const MLW_VERSION: string;

const program = new Command('mlw')
  .description('mlw: a machine-learning workspace for Azure ML v2 YAML specs, on your own machine')
  .version(typeof MLW_VERSION === 'string' ? MLW_VERSION : '0.0.0-dev');
registerValidate(program);
program.parse();
