/**
 * JSON schemas of the REST responses. fastify serializes with them (fields
 * not listed are never leaked) and they document the API.
 */
import { errorResponseSchema } from './HttpError.ts';

const nullable = (type: string) => ({ type: [type, 'null'] });
const numbers = { type: 'array', items: { type: 'number' } } as const;

export const connectionHealthSchema = {
  type: 'object',
  required: ['state', 'url', 'lastMessageAge', 'reconnects', 'since'],
  properties: {
    state: { type: 'string', enum: ['connecting', 'connected', 'lost', 'closed'] },
    url: { type: 'string' },
    lastMessageAge: nullable('number'),
    reconnects: { type: 'integer' },
    since: { type: 'number' },
    error: { type: 'string' },
  },
} as const;

export const cellDescriptionSchema = {
  type: 'object',
  required: ['profile', 'arm', 'jointNames', 'jointLimits', 'maxJointVelocity', 'hasGripper', 'hasWrench', 'cameras', 'url'],
  properties: {
    profile: { type: 'string' },
    arm: { type: 'string' },
    jointNames: { type: 'array', items: { type: 'string' } },
    jointLimits: {
      type: 'array',
      items: { type: 'object', required: ['lower', 'upper'], properties: { lower: { type: 'number' }, upper: { type: 'number' } } },
    },
    maxJointVelocity: numbers,
    hasGripper: { type: 'boolean' },
    hasWrench: { type: 'boolean' },
    cameras: { type: 'array', items: { type: 'string' } },
    url: { type: 'string' },
  },
} as const;

export const sessionLimitsSchema = {
  type: 'object',
  required: ['maxFrameBytes', 'maxMessagesPerSecond', 'defaultRateHz', 'maxRateHz', 'teleop'],
  properties: {
    maxFrameBytes: { type: 'integer' },
    maxMessagesPerSecond: { type: 'number' },
    defaultRateHz: { type: 'number' },
    maxRateHz: { type: 'number' },
    teleop: {
      type: 'object',
      required: ['maxJointVelocity', 'maxTcpSpeed', 'deadmanTimeout', 'workspace', 'toolOffset'],
      properties: {
        maxJointVelocity: numbers,
        maxTcpSpeed: { type: 'number' },
        deadmanTimeout: { type: 'number' },
        workspace: { type: 'object', required: ['min', 'max'], properties: { min: numbers, max: numbers } },
        toolOffset: numbers,
      },
    },
  },
} as const;

export const controlStateSchema = {
  type: 'object',
  required: ['estopped', 'gates', 'leaseHolder', 'lastOutput', 'safetyMode'],
  properties: {
    estopped: { type: 'boolean' },
    estop: {
      type: 'object',
      required: ['by', 'time'],
      properties: { by: { type: 'string' }, reason: { type: 'string' }, time: { type: 'number' } },
    },
    gates: { type: 'object', additionalProperties: { type: 'boolean' } },
    motion: { type: 'string' },
    leaseHolder: nullable('string'),
    lastOutput: {
      type: ['object', 'null'],
      properties: {
        velocities: numbers,
        gripper: { type: 'number' },
        stamp: { type: 'number' },
        source: { type: 'string' },
        stop: { type: 'string' },
        limited: { type: 'array', items: { type: 'string' } },
        sent: { type: 'boolean' },
        trigger: { type: 'string' },
      },
    },
    safetyMode: nullable('number'),
    speedScaling: { type: 'number' },
  },
} as const;

const errors = { 401: errorResponseSchema, '4xx': errorResponseSchema, '5xx': errorResponseSchema };

export const healthRouteSchema = {
  summary: 'Cell connection health, bridge uptime and clients',
  response: {
    200: {
      type: 'object',
      required: ['ok', 'protocolVersion', 'connection', 'uptime', 'clients', 'leaseHolder', 'estopped'],
      properties: {
        ok: { type: 'boolean' },
        protocolVersion: { type: 'integer' },
        connection: connectionHealthSchema,
        uptime: { type: 'number' },
        clients: { type: 'integer' },
        leaseHolder: nullable('string'),
        estopped: { type: 'boolean' },
      },
    },
    ...errors,
  },
} as const;

export const cellRouteSchema = {
  summary: 'The connected cell: description, limits and control state',
  response: {
    200: {
      type: 'object',
      required: ['description', 'limits', 'status'],
      properties: { description: cellDescriptionSchema, limits: sessionLimitsSchema, status: controlStateSchema },
    },
    ...errors,
  },
} as const;

export const sessionRouteSchema = {
  summary: 'Who the caller is: role and token name',
  response: {
    200: {
      type: 'object',
      required: ['role', 'name', 'requiresToken'],
      properties: { role: { type: 'string', enum: ['viewer', 'operator', 'admin'] }, name: { type: 'string' }, requiresToken: { type: 'boolean' } },
    },
    ...errors,
  },
} as const;

export const clientsRouteSchema = {
  summary: 'Connected WebSocket clients and their backlog (admin)',
  response: {
    200: {
      type: 'object',
      required: ['clients'],
      properties: {
        clients: {
          type: 'array',
          items: {
            type: 'object',
            required: ['clientId', 'name', 'role', 'remote', 'streams', 'bufferedBytes', 'queuedMessages', 'pendingSamples'],
            properties: {
              clientId: { type: 'string' },
              name: { type: 'string' },
              role: { type: ['string', 'null'] },
              remote: { type: 'string' },
              streams: { type: 'array', items: { type: 'string' } },
              bufferedBytes: { type: 'integer' },
              queuedMessages: { type: 'integer' },
              pendingSamples: { type: 'integer' },
            },
          },
        },
      },
    },
    ...errors,
  },
} as const;
