export * from './AccessPolicy.ts';
export * from './AuditLog.ts';
export * from './TokenStore.ts';
