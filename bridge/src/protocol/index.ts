export * from './protocolConstants.ts';
export * from './Role.ts';
export * from './ErrorCode.ts';
export * from './fieldChecks.ts';
export * from './ClientMessage.ts';
export * from './ServerMessage.ts';
