/**
 * ROS 2 message definitions (.msg text) for every stream cellkit records.
 *
 * Keys are the full ROS 2 type names as they appear in an MCAP Schema record
 * (`sensor_msgs/msg/JointState`). Field types inside the texts use the short
 * `pkg/Name` form and dependencies are introduced by `MSG: pkg/Name`, which is
 * what rosbag2 writes and what @foxglove/rosmsg resolves (it does not match a
 * `MSG: pkg/msg/Name` header against a `pkg/Name` field).
 *
 * The upstream types are reproduced field for field (comments shortened); the
 * two `cellkit_msgs` types are ours and are the reference for their layout.
 */

export type Ros2Definition = {
  /** The type's own .msg text, without dependencies. */
  text: string;
  /** Complex types referenced by the text, short form (`std_msgs/Header`). */
  dependencies: readonly string[];
};

const TIME = `# ROS time: seconds and nanoseconds since the Unix epoch.
int32 sec
uint32 nanosec
`;

const HEADER = `# Standard metadata for higher-level stamped data types.
# stamp: time the data was acquired (source clock), not the time it was received.
builtin_interfaces/Time stamp
# Coordinate frame this data is associated with.
string frame_id
`;

const VECTOR3 = `# A vector in free space.
float64 x
float64 y
float64 z
`;

const WRENCH = `# Force (N) and torque (N·m) applied to a body.
Vector3 force
Vector3 torque
`;

const WRENCH_STAMPED = `# A wrench with reference coordinate frame and timestamp.
std_msgs/Header header
Wrench wrench
`;

const JOINT_STATE = `# State of a set of torque controlled joints: position (rad or m),
# velocity (rad/s or m/s) and effort (N·m or N), each array either empty or
# as long as name.
std_msgs/Header header

string[] name
float64[] position
float64[] velocity
float64[] effort
`;

const COMPRESSED_IMAGE = `# A compressed image. header.stamp is the acquisition time of the image.
std_msgs/Header header

# Compression format, e.g. "jpeg" or "png" (optionally "rgb8; jpeg compressed bgr8").
string format

# Compressed image buffer.
uint8[] data
`;

const SAFETY_MODE = `uint8 NORMAL=1
uint8 REDUCED=2
uint8 PROTECTIVE_STOP=3
uint8 RECOVERY=4
uint8 SAFEGUARD_STOP=5
uint8 SYSTEM_EMERGENCY_STOP=6
uint8 ROBOT_EMERGENCY_STOP=7
uint8 VIOLATION=8
uint8 FAULT=9
uint8 VALIDATE_JOINT_ID=10
uint8 UNDEFINED_SAFETY_MODE=11
uint8 AUTOMATIC_MODE_SAFEGUARD_STOP=12
uint8 SYSTEM_THREE_POSITION_ENABLING_STOP=13

uint8 mode
`;

const FLOAT64_MULTI_ARRAY = `# An array of float64 with a layout (dimensions are usually left empty).
MultiArrayLayout layout
float64[] data
`;

const MULTI_ARRAY_LAYOUT = `MultiArrayDimension[] dim
uint32 data_offset
`;

const MULTI_ARRAY_DIMENSION = `string label
uint32 size
uint32 stride
`;

const JOINT_COMMAND = `# cellkit: the joint command actually sent to the robot by the safety layer,
# after limits, gates and the deadman, at the bridge's fixed publish rate.
# This is the behavior-cloning action; the requested command is never recorded
# in its place.
#
# header.stamp: time the command was published to the robot.
std_msgs/Header header

# Joint names, same naming as /joint_states (the gripper is not in this list).
string[] name

# Joint velocity command per name, rad/s. All zeros when a gate or the deadman
# stopped the robot.
float64[] velocity

# Gripper command, 0 open ... 1 closed: cellkit's canonical gripper unit (the
# robot profile converts the driver's own unit), as finger_joint is recorded
# in /joint_states. NaN when the cell has no gripper.
float64 gripper
`;

const EVENT = `# cellkit: a discrete event during an episode (operator marker, takeover,
# safety stop, limit hit, note). Events are sparse; they are never aligned.
#
# header.stamp: time the event happened (source clock).
std_msgs/Header header

# Category, lower case: "marker", "takeover", "safety", "limit", "lease", "info".
string kind

# Machine-readable code inside the category, e.g. "protective_stop".
string code

# Human-readable text.
string message
`;

const DEFINITIONS: Record<string, Ros2Definition> = {
  'builtin_interfaces/msg/Time': { text: TIME, dependencies: [] },
  'std_msgs/msg/Header': { text: HEADER, dependencies: ['builtin_interfaces/Time'] },
  'geometry_msgs/msg/Vector3': { text: VECTOR3, dependencies: [] },
  'geometry_msgs/msg/Wrench': { text: WRENCH, dependencies: ['geometry_msgs/Vector3'] },
  'geometry_msgs/msg/WrenchStamped': {
    text: WRENCH_STAMPED,
    dependencies: ['std_msgs/Header', 'geometry_msgs/Wrench'],
  },
  'sensor_msgs/msg/JointState': { text: JOINT_STATE, dependencies: ['std_msgs/Header'] },
  'sensor_msgs/msg/CompressedImage': { text: COMPRESSED_IMAGE, dependencies: ['std_msgs/Header'] },
  'ur_dashboard_msgs/msg/SafetyMode': { text: SAFETY_MODE, dependencies: [] },
  'std_msgs/msg/MultiArrayDimension': { text: MULTI_ARRAY_DIMENSION, dependencies: [] },
  'std_msgs/msg/MultiArrayLayout': {
    text: MULTI_ARRAY_LAYOUT,
    dependencies: ['std_msgs/MultiArrayDimension'],
  },
  'std_msgs/msg/Float64MultiArray': {
    text: FLOAT64_MULTI_ARRAY,
    dependencies: ['std_msgs/MultiArrayLayout'],
  },
  'std_msgs/msg/Float64': { text: 'float64 data\n', dependencies: [] },
  'cellkit_msgs/msg/JointCommand': { text: JOINT_COMMAND, dependencies: ['std_msgs/Header'] },
  'cellkit_msgs/msg/Event': { text: EVENT, dependencies: ['std_msgs/Header'] },
};

/** `std_msgs/Header` → `std_msgs/msg/Header`; full names pass through. */
export function fullTypeName(type: string): string {
  const parts = type.split('/');
  return parts.length === 2 ? `${parts[0]}/msg/${parts[1]}` : type;
}

/** `std_msgs/msg/Header` → `std_msgs/Header` (the form used inside .msg texts). */
export function shortTypeName(type: string): string {
  const parts = type.split('/');
  return parts.length === 3 ? `${parts[0]}/${parts[2]}` : type;
}

/** Every type cellkit can write, full names. */
export function knownRos2Types(): string[] {
  return Object.keys(DEFINITIONS);
}

export function isKnownRos2Type(type: string): boolean {
  return fullTypeName(type) in DEFINITIONS;
}

/**
 * The complete `ros2msg` schema text for a type, as an MCAP Schema record
 * carries it: the type's own text first, then each transitive dependency once
 * (depth first), each preceded by a line of 80 `=` and a `MSG: pkg/Name` line.
 */
export function ros2SchemaText(type: string): string {
  const root = DEFINITIONS[fullTypeName(type)];
  if (!root) {
    throw new Error(
      `Unknown ROS 2 type "${type}": expected one of ${knownRos2Types().join(', ')}. ` +
        'Add its definition to datasets/src/ros2/definitions.ts or pass schemaText to addStream.',
    );
  }
  const order: string[] = [];
  const visit = (deps: readonly string[]): void => {
    for (const dep of deps) {
      if (order.includes(dep)) continue;
      order.push(dep);
      visit(DEFINITIONS[fullTypeName(dep)]!.dependencies);
    }
  };
  visit(root.dependencies);
  const separator = '='.repeat(80);
  let text = root.text;
  for (const dep of order) {
    text += `${separator}\nMSG: ${dep}\n${DEFINITIONS[fullTypeName(dep)]!.text}`;
  }
  return text;
}
