export * from './assets';
export * from './events';
export * from './jobs';
export * from './findings';
export * from './endpoints';
