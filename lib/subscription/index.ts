export * from './subscription-registry';
export * from './subscription-key-policy';
export * from './declared-subscription';
export * from './persona-roles';
