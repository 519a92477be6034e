export * from './build';
export * from './diff';
export * from './diff-markdown';
export * from './markdown';
export * from './model';
export * from './writer';
