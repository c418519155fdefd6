export * from './buildApp.ts';
export * from './startServer.ts';
export * from './ControlPort.ts';
export * from './PolicyPort.ts';
export * from './SessionContext.ts';
export * from './HttpError.ts';
export { SessionHub, type ClientInfo } from './SessionHub.ts';
export { originAllowed } from './attachWebSocket.ts';
