export * from './topic-contract';
export * from './headers';
