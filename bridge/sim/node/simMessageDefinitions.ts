/**
 * `.msg`/`.srv` text of the sim-only `cellkit_msgs` types, so the rosbridge
 * server encodes and checks them like any ROS type (CBOR typed arrays,
 * defaults, rosbridge's own wording for a wrong field).
 */
export const SIM_MESSAGE_DEFINITIONS: Record<string, string> = {
  'cellkit_msgs/msg/TaskStatus': 'std_msgs/Header header\nstring task\nbool success\nfloat64 progress',
  'cellkit_msgs/msg/ObjectPoses': 'std_msgs/Header header\nstring[] names\ngeometry_msgs/Pose[] poses',
};

export const SIM_SERVICE_DEFINITIONS: Record<string, string> = {
  'cellkit_msgs/srv/ResetCell': 'string task\nint32 seed\n---\nbool success\nstring message',
  'cellkit_msgs/srv/SetDisturbance': 'float64 sigma\nfloat64 tau\nint32 seed\n---\nbool success\nstring message',
};
