export * from './checks';
export * from './issuer-claims';
export * from './rule';
