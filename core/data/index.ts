export * from './errors';
export * from './snapshot';
export * from './datastores';
export * from './staging';
export * from './upload';
