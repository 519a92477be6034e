export * from './backend-client-certificate';
export * from './certificate-identity';
export * from './client-certificate-policy';
