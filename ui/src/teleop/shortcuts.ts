/**
 * Keyboard and gamepad bindings, as data: the same tables drive the input
 * handlers and the legend shown on screen, so the legend cannot drift.
 * Keys are `KeyboardEvent.code` values (layout-independent positions).
 */
export interface JogKey {
  code: string;
  /** What is printed on the key on a US layout. */
  label: string;
  axis: number;
  direction: 1 | -1;
}

/** Columns Q/A, W/S, E/D, R/F, T/G, Y/H: + on the top row, − below. Same keys in both modes. */
export const JOG_KEYS: JogKey[] = ['Q', 'W', 'E', 'R', 'T', 'Y'].flatMap((up, axis) => {
  const down = ['A', 'S', 'D', 'F', 'G', 'H'][axis];
  return [
    { code: `Key${up}`, label: up, axis, direction: 1 as const },
    { code: `Key${down}`, label: down, axis, direction: -1 as const },
  ];
});

export const KEY_ESTOP = { code: 'Escape', label: 'Esc' };
export const KEY_GRIPPER_OPEN = { code: 'KeyO', label: 'O' };
export const KEY_GRIPPER_CLOSE = { code: 'KeyC', label: 'C' };

export function jogKey(code: string): JogKey | undefined {
  return JOG_KEYS.find((k) => k.code === code);
}

/** The part of the Gamepad API's `Gamepad` the mapping reads. */
export interface PadState {
  axes: readonly number[];
  buttons: readonly { pressed: boolean; value: number }[];
}

export interface PadCommand {
  /** The hold-to-move button is held: only then do sticks move the arm. */
  deadman: boolean;
  /** Six axis values -1..1 for the JogController. */
  axes: number[];
  gripper?: 'open' | 'close';
}

/** Standard mapping (https://w3c.github.io/gamepad/#remapping). */
const BTN = { A: 0, B: 1, LB: 4, RB: 5, UP: 12, DOWN: 13, LEFT: 14, RIGHT: 15 } as const;
export const PAD_DEADZONE = 0.15;

export const PAD_LEGEND = [
  'Hold RB (right shoulder) to move; let go to stop',
  'Joints: left stick = joints 1–2, right stick = joints 3–4, D-pad = joints 5–6',
  'Tool: left stick = X/Y, right stick up/down = Z, right stick left/right = Rz, D-pad = Rx/Ry',
  'A = close gripper, B = open gripper',
];

function stick(x: number | undefined): number {
  if (x === undefined || !Number.isFinite(x) || Math.abs(x) < PAD_DEADZONE) return 0;
  // Rescale so motion starts at zero just outside the dead zone.
  return (Math.sign(x) * (Math.abs(x) - PAD_DEADZONE)) / (1 - PAD_DEADZONE);
}

const pressed = (p: PadState, i: number): boolean => p.buttons[i]?.pressed ?? false;

export function padCommand(p: PadState, mode: 'joints' | 'cartesian'): PadCommand {
  const deadman = pressed(p, BTN.RB);
  const lx = stick(p.axes[0]);
  // Sticks report +1 for down; up should move + (away / up).
  const ly = -stick(p.axes[1]);
  const rx = stick(p.axes[2]);
  const ry = -stick(p.axes[3]);
  const dpadV = (pressed(p, BTN.UP) ? 1 : 0) - (pressed(p, BTN.DOWN) ? 1 : 0);
  const dpadH = (pressed(p, BTN.RIGHT) ? 1 : 0) - (pressed(p, BTN.LEFT) ? 1 : 0);
  const axes = mode === 'joints' ? [lx, ly, ry, rx, dpadV, dpadH] : [lx, ly, ry, dpadH, dpadV, rx];
  const cmd: PadCommand = { deadman, axes: deadman ? axes : [0, 0, 0, 0, 0, 0] };
  if (pressed(p, BTN.A)) cmd.gripper = 'close';
  else if (pressed(p, BTN.B)) cmd.gripper = 'open';
  return cmd;
}
