// ROS 2 message definitions the simulated cell knows, parsed from .msg text.
//
// Why the server needs them at all: real rosbridge encodes a message from its
// field *types*, not from its JS values. `uint8[]` becomes base64 in JSON and a
// CBOR byte string; `float64[]` becomes a CBOR typed array (RFC 8746 tag 86);
// missing fields are filled with defaults. Without the schema a sim message
// carrying `position: number[]` would reach a CBOR client as a plain array and
// the sim would be distinguishable from a real cell.

/** One field of a message, as parsed from a `.msg` line. */
export interface FieldSchema {
  name: string;
  /** Primitive (`float64`, `uint8`, `string`...) or a full type `pkg/msg/Name`. */
  baseType: string;
  isArray: boolean;
  /** Fixed array length (`float64[36]`); undefined for unbounded/bounded sequences. */
  fixedLength?: number;
  isPrimitive: boolean;
  /** Default from the definition (`float64 w 1`); primitives only. */
  defaultValue?: number | boolean | string;
}

export interface MessageSchema {
  type: string;
  fields: FieldSchema[];
  /** The `.msg` text it was parsed from (rosapi typedefs). */
  definition: string;
}

export interface ServiceSchema {
  type: string;
  request: MessageSchema;
  response: MessageSchema;
}

export const PRIMITIVE_TYPES: ReadonlySet<string> = new Set([
  'bool', 'byte', 'char', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32',
  'int64', 'uint64', 'float32', 'float64', 'string', 'wstring',
]);

/** Definitions of every type the cell contract (DESIGN.md) uses, plus common companions. */
const BUILTIN_MESSAGES: Record<string, string> = {
  'builtin_interfaces/msg/Time': 'int32 sec\nuint32 nanosec',
  'builtin_interfaces/msg/Duration': 'int32 sec\nuint32 nanosec',
  'std_msgs/msg/Header': 'builtin_interfaces/Time stamp\nstring frame_id',
  'std_msgs/msg/Bool': 'bool data',
  'std_msgs/msg/Empty': '',
  'std_msgs/msg/String': 'string data',
  'std_msgs/msg/Int32': 'int32 data',
  'std_msgs/msg/Float64': 'float64 data',
  'std_msgs/msg/MultiArrayDimension': 'string label\nuint32 size\nuint32 stride',
  'std_msgs/msg/MultiArrayLayout': 'MultiArrayDimension[] dim\nuint32 data_offset',
  'std_msgs/msg/Float64MultiArray': 'MultiArrayLayout layout\nfloat64[] data',
  'sensor_msgs/msg/JointState':
    'std_msgs/Header header\nstring[] name\nfloat64[] position\nfloat64[] velocity\nfloat64[] effort',
  'sensor_msgs/msg/CompressedImage': 'std_msgs/Header header\nstring format\nuint8[] data',
  'geometry_msgs/msg/Vector3': 'float64 x\nfloat64 y\nfloat64 z',
  'geometry_msgs/msg/Point': 'float64 x\nfloat64 y\nfloat64 z',
  'geometry_msgs/msg/Quaternion': 'float64 x 0\nfloat64 y 0\nfloat64 z 0\nfloat64 w 1',
  'geometry_msgs/msg/Pose': 'Point position\nQuaternion orientation',
  'geometry_msgs/msg/PoseStamped': 'std_msgs/Header header\nPose pose',
  'geometry_msgs/msg/Twist': 'Vector3 linear\nVector3 angular',
  'geometry_msgs/msg/TwistStamped': 'std_msgs/Header header\nTwist twist',
  'geometry_msgs/msg/Wrench': 'Vector3 force\nVector3 torque',
  'geometry_msgs/msg/WrenchStamped': 'std_msgs/Header header\nWrench wrench',
  'ur_dashboard_msgs/msg/SafetyMode':
    'uint8 NORMAL=1\nuint8 REDUCED=2\nuint8 PROTECTIVE_STOP=3\nuint8 RECOVERY=4\n' +
    'uint8 SAFEGUARD_STOP=5\nuint8 SYSTEM_EMERGENCY_STOP=6\nuint8 ROBOT_EMERGENCY_STOP=7\n' +
    'uint8 VIOLATION=8\nuint8 FAULT=9\nuint8 VALIDATE_JOINT_ID=10\nuint8 UNDEFINED_SAFETY_MODE=11\n' +
    'uint8 AUTOMATIC_MODE_SAFEGUARD_STOP=12\nuint8 SYSTEM_THREE_POSITION_ENABLING_STOP=13\nuint8 mode',
};

const BUILTIN_SERVICES: Record<string, string> = {
  'std_srvs/srv/Trigger': '---\nbool success\nstring message',
  'std_srvs/srv/Empty': '---',
  'std_srvs/srv/SetBool': 'bool data\n---\nbool success\nstring message',
  'rosapi_msgs/srv/Topics': '---\nstring[] topics\nstring[] types',
  'rosapi_msgs/srv/TopicType': 'string topic\n---\nstring type',
  'rosapi_msgs/srv/TopicsForType': 'string type\n---\nstring[] topics',
  'rosapi_msgs/srv/Services': '---\nstring[] services',
  'rosapi_msgs/srv/ServiceType': 'string service\n---\nstring type',
  'rosapi_msgs/srv/ServicesForType': 'string type\n---\nstring[] services',
  'rosapi_msgs/srv/Nodes': '---\nstring[] nodes',
};

/**
 * `sensor_msgs/JointState` and `sensor_msgs/msg/JointState` name the same type
 * (rosbridge's loader accepts both); everything is stored in the ROS 2 form.
 */
export function normalizeTypeName(type: string, kind: 'msg' | 'srv' = 'msg'): string {
  const parts = type.split('/');
  if (parts.length === 2 && parts[0] && parts[1]) return `${parts[0]}/${kind}/${parts[1]}`;
  return type;
}

/** A registry of message and service schemas; starts with the cell's builtin set. */
export class MessageSchemas {
  private readonly messages = new Map<string, MessageSchema>();
  private readonly services = new Map<string, ServiceSchema>();

  constructor(opts: { messages?: Record<string, string>; services?: Record<string, string> } = {}) {
    for (const [type, def] of Object.entries({ ...BUILTIN_MESSAGES, ...opts.messages })) {
      this.addMessage(type, def);
    }
    for (const [type, def] of Object.entries({ ...BUILTIN_SERVICES, ...opts.services })) {
      this.addService(type, def);
    }
  }

  /** Register a message type from its `.msg` text (ROS 2 syntax; constants and defaults allowed). */
  addMessage(type: string, definition: string): MessageSchema {
    const full = normalizeTypeName(type, 'msg');
    const schema = parseDefinition(full, definition);
    this.messages.set(full, schema);
    return schema;
  }

  /** Register a service type from its `.srv` text (`request --- response`). */
  addService(type: string, definition: string): ServiceSchema {
    const full = normalizeTypeName(type, 'srv');
    const sep = definition.split(/^---\s*$/m);
    if (sep.length !== 2) {
      throw new Error(
        `service ${full}: expected one '---' line separating request and response, found ${sep.length - 1}; ` +
          'write the definition as "<request fields>\\n---\\n<response fields>"',
      );
    }
    const schema: ServiceSchema = {
      type: full,
      request: parseDefinition(`${full}_Request`, sep[0]),
      response: parseDefinition(`${full}_Response`, sep[1]),
    };
    this.services.set(full, schema);
    return schema;
  }

  message(type: string): MessageSchema | undefined {
    return this.messages.get(normalizeTypeName(type, 'msg'));
  }

  service(type: string): ServiceSchema | undefined {
    return this.services.get(normalizeTypeName(type, 'srv'));
  }
}

function parseDefinition(type: string, definition: string): MessageSchema {
  const pkg = type.split('/')[0];
  const fields: FieldSchema[] = [];
  for (const raw of definition.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const m = /^(\S+)\s+([A-Za-z_][A-Za-z0-9_]*)(\s*=.*|\s+.*)?$/.exec(line);
    if (!m) {
      throw new Error(`message ${type}: expected "<type> <name>" on each line, found "${line}"`);
    }
    const rest = m[3]?.trim();
    if (rest?.startsWith('=')) continue; // a constant, not a field
    const typeToken = m[1];
    const arr = /^(.+?)\[(<=)?(\d*)\]$/.exec(typeToken);
    let base = (arr ? arr[1] : typeToken).replace(/<=\d+$/, ''); // string<=10 is a string
    const isPrimitive = PRIMITIVE_TYPES.has(base);
    if (!isPrimitive) {
      if (base === 'Header') base = 'std_msgs/msg/Header';
      else if (!base.includes('/')) base = `${pkg}/msg/${base}`;
      else base = normalizeTypeName(base, 'msg');
    }
    fields.push({
      name: m[2],
      baseType: base,
      isArray: !!arr,
      fixedLength: arr && !arr[2] && arr[3] ? Number(arr[3]) : undefined,
      isPrimitive,
      defaultValue: isPrimitive && !arr && rest ? parseDefault(base, rest) : undefined,
    });
  }
  return { type, fields, definition };
}

function parseDefault(base: string, text: string): number | boolean | string {
  if (base === 'bool') return text === 'true' || text === '1';
  if (base === 'string' || base === 'wstring') return text.replace(/^(["'])(.*)\1$/, '$2');
  const n = Number(text);
  if (!Number.isFinite(n)) throw new Error(`default for ${base}: expected a number, found "${text}"`);
  return n;
}
