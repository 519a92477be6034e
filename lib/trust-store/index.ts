export * from './mutual-tls';
export * from './revocation-list';
export * from './trust-store';
export * from './trust-store-certificate';
