/**
 * Teleoperation: take or release control, jog joints or the tool
 * (hold-to-move buttons, keys, gamepad), speed, gripper. Refusals and
 * clamps from the safety layer appear right under the control that caused
 * them. Everything is greyed out, with the reason in words, unless this
 * screen holds control and the robot may move.
 */
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { roleAllows } from '@cellkit/bridge/protocol';
import { useActions, useCell, useFrameLoop, useIHoldControl, useJog, useTelemetry } from '../app/CellContext.tsx';
import { armModel } from '../kinematics/armModels.ts';
import { tcpPose } from '../kinematics/forwardKinematics.ts';
import type { JogController } from '../teleop/JogController.ts';
import { JOG_KEYS, jogKey, KEY_ESTOP, KEY_GRIPPER_CLOSE, KEY_GRIPPER_OPEN, PAD_LEGEND, padCommand } from '../teleop/shortcuts.ts';
import { FeedbackLine } from './FeedbackLine.tsx';
import { useFeedback } from './useFeedback.ts';

const DEG = 180 / Math.PI;
const JOINT_LABELS = ['Base', 'Shoulder', 'Elbow', 'Wrist 1', 'Wrist 2', 'Wrist 3'];
const CART_LABELS = ['X', 'Y', 'Z', 'Rx', 'Ry', 'Rz'];

/** Clamps that are the normal shape of every jog (the gentle start), not worth a message. */
const QUIET_CODES = new Set(['joint_acceleration']);

/** One decimal, without a "-0.0". */
function fixed1(v: number): string {
  return (Math.abs(v) < 0.05 ? 0 : v).toFixed(1);
}

function useJogState(jog: JogController): number {
  return useSyncExternalStore(jog.subscribe, () => jog.revision);
}

/** Why the jog controls are off, in words; undefined when they are on. */
function useDisabledReason(): string | undefined {
  const open = useCell((s) => s.link.state === 'open');
  const role = useCell((s) => s.welcome?.role ?? null);
  const holder = useCell((s) => s.lease.holder);
  const holderName = useCell((s) => s.lease.holderName);
  const estopped = useCell((s) => s.control?.estopped ?? false);
  const mine = useIHoldControl();
  if (!open) return 'Not connected to the cell.';
  if (role && !roleAllows(role, 'control')) return 'You can watch only. Ask an admin for an operator token to move the robot.';
  if (!mine) return holder ? `${holderName ?? 'Another operator'} has control. You can watch and press E-STOP.` : 'Press Take control to move the robot.';
  if (estopped) return 'E-STOP is latched. Reset it (top right) when the area is clear.';
  return undefined;
}

function ControlSection() {
  const actions = useActions();
  const mine = useIHoldControl();
  const open = useCell((s) => s.link.state === 'open');
  const holder = useCell((s) => s.lease.holder);
  const holderName = useCell((s) => s.lease.holderName);
  const role = useCell((s) => s.welcome?.role ?? null);
  const toolOffset = useCell((s) => s.welcome?.limits.teleop.toolOffset);
  const feedback = useFeedback('lease');
  const mayControl = role !== null && roleAllows(role, 'control');
  const otherHolds = holder !== null && !mine;
  return (
    <section className="card control-card">
      <div className="control-row">
        {mine ? (
          <button type="button" className="btn btn-big btn-release" data-testid="release-control" onClick={() => actions.releaseControl()}>
            Release control
          </button>
        ) : (
          <button type="button" className="btn btn-big btn-take" data-testid="take-control" disabled={!open || !mayControl || otherHolds} onClick={() => actions.takeControl()}>
            Take control
          </button>
        )}
        {feedback ? (
          <FeedbackLine feedback={feedback} testId="lease-feedback" />
        ) : (
          <p className="control-text" data-testid="control-text">
            {!open ? 'Not connected.' : mine ? 'You have control. Release it when you are done.' : otherHolds ? `${holderName ?? 'Another operator'} has control.` : 'Nobody is moving the robot.'}
          </p>
        )}
      </div>
    </section>
  );
}

function JogButton({ jog, axis, direction, disabled, label }: { jog: JogController; axis: number; direction: 1 | -1; disabled: boolean; label: string }) {
  const source = `button:${axis}:${direction}`;
  const active = jog.axes()[axis] * direction > 0;
  const stop = (): void => jog.release(source);
  return (
    <button
      type="button"
      className={active ? 'btn jog-btn jog-btn-active' : 'btn jog-btn'}
      data-testid={`jog-${axis}-${direction > 0 ? 'plus' : 'minus'}`}
      aria-label={label}
      disabled={disabled}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        jog.press(source, axis, direction);
      }}
      onPointerUp={stop}
      onPointerCancel={stop}
      onLostPointerCapture={stop}
      onContextMenu={(e) => e.preventDefault()}
    >
      {direction > 0 ? '+' : '−'}
    </button>
  );
}

function JogSection({ disabledReason }: { disabledReason: string | undefined }) {
  const jog = useJog();
  useJogState(jog);
  const telemetry = useTelemetry();
  const arm = useCell((s) => s.welcome?.cell.arm ?? null);
  const toolOffset = useCell((s) => s.welcome?.limits.teleop.toolOffset);
  const jointCount = useCell((s) => s.welcome?.cell.jointNames.length ?? 6);
  const latestJog = useFeedback('jog');
  // After letting go, the bridge's deadman reports the stop it was told to make: not news.
  const feedback = latestJog && ((latestJog.kind === 'deadman' && !jog.moving) || QUIET_CODES.has(latestJog.code)) ? undefined : latestJog;
  const valueRefs = useRef<(HTMLSpanElement | null)[]>([]);
  const q = useRef(new Float64Array(16));
  const disabled = disabledReason !== undefined;
  const cart = jog.mode === 'cartesian';
  const model = arm ? armModel(arm) : undefined;
  const rows = Math.min(6, cart ? 6 : jointCount);

  // Readouts beside the buttons, written straight into the DOM each frame.
  const shown = useRef<string[]>([]);
  // Rows may have been re-created by this render: rewrite every readout on the next frame.
  shown.current = [];
  useFrameLoop(() => {
    const pos = telemetry.positions;
    if (!pos.latest(q.current)) return;
    let values: number[];
    let units: string[];
    if (cart) {
      if (!model) return;
      const p = tcpPose(model, q.current, toolOffset);
      values = [...p.position.map((v) => v * 1000), ...p.rotationVector.map((v) => v * DEG)];
      units = ['mm', 'mm', 'mm', '°', '°', '°'];
    } else {
      values = Array.from(q.current.subarray(0, rows), (v) => v * DEG);
      units = values.map(() => '°');
    }
    for (let i = 0; i < rows; i++) {
      const text = `${fixed1(values[i])} ${units[i]}`;
      const el = valueRefs.current[i];
      if (el && shown.current[i] !== text) {
        el.textContent = text;
        shown.current[i] = text;
      }
    }
  });

  const speedPct = Math.round(jog.speed * 100);
  const linear = jog.axisSpeed(0);
  const speedText = cart ? `up to ${Math.round(linear * 1000)} mm/s` : `up to ${Math.round(jog.axisSpeed(0) * DEG)} °/s`;

  return (
    <section className={disabled ? 'card jog jog-disabled' : 'card jog'} data-testid="jog-panel" aria-disabled={disabled}>
      <div className="segmented" role="group" aria-label="What to move">
        <button type="button" className={!cart ? 'seg seg-on' : 'seg'} onClick={() => jog.setMode('joints')} data-testid="mode-joints">
          Joints
        </button>
        <button
          type="button"
          className={cart && jog.frame === 'base' ? 'seg seg-on' : 'seg'}
          onClick={() => {
            jog.setMode('cartesian');
            jog.setFrame('base');
          }}
          data-testid="mode-tool-base"
        >
          Tool: robot axes
        </button>
        <button
          type="button"
          className={cart && jog.frame === 'tool' ? 'seg seg-on' : 'seg'}
          onClick={() => {
            jog.setMode('cartesian');
            jog.setFrame('tool');
          }}
          data-testid="mode-tool-tool"
        >
          Tool: own axes
        </button>
      </div>
      <label className="speed">
        <span className="speed-label">
          Speed <strong data-testid="speed-value">{speedPct} %</strong>
          <span className="speed-detail">{speedText}</span>
        </span>
        <input type="range" min={5} max={100} step={5} value={speedPct} onChange={(e) => jog.setSpeed(Number(e.target.value) / 100)} data-testid="speed" />
      </label>
      <div className="jog-rows">
        {Array.from({ length: rows }, (_, i) => {
          const name = cart ? CART_LABELS[i] : (JOINT_LABELS[i] ?? `Joint ${i + 1}`);
          const keys = JOG_KEYS.filter((k) => k.axis === i);
          return (
            <div className="jog-row" key={`${jog.mode}-${i}`}>
              <JogButton jog={jog} axis={i} direction={-1} disabled={disabled} label={`${name} minus`} />
              <div className="jog-mid">
                <span className="jog-name">{name}</span>
                <span className="jog-value" data-testid={`jog-value-${i}`} ref={(el) => void (valueRefs.current[i] = el)}>
                  —
                </span>
                <span className="jog-keys">
                  {keys.find((k) => k.direction < 0)?.label} / {keys.find((k) => k.direction > 0)?.label}
                </span>
              </div>
              <JogButton jog={jog} axis={i} direction={1} disabled={disabled} label={`${name} plus`} />
            </div>
          );
        })}
        <GripperRow disabled={disabled} />
      </div>
      {feedback && !disabled ? (
        <FeedbackLine feedback={feedback} testId="jog-feedback" />
      ) : (
        <div className="feedback jog-reason" data-testid="jog-reason">
          {disabledReason ?? 'Hold a button (or key) to move. Let go to stop.'}
        </div>
      )}
    </section>
  );
}

/** Gripper open/close as one more row of the jog grid; refusals show in the jog feedback slot. */
function GripperRow({ disabled }: { disabled: boolean }) {
  const actions = useActions();
  const hasGripper = useCell((s) => s.welcome?.cell.hasGripper ?? false);
  const telemetry = useTelemetry();
  const valueRef = useRef<HTMLSpanElement>(null);
  const g = useRef(new Float64Array(1));
  const shown = useRef('');
  useFrameLoop(() => {
    if (!telemetry.gripper.latest(g.current) || !valueRef.current) return;
    const text = `${Math.round(g.current[0] * 100)} %`;
    if (text !== shown.current) {
      shown.current = text;
      valueRef.current.textContent = text;
    }
  });
  if (!hasGripper) return null;
  return (
    <div className="jog-row gripper-row">
      <button type="button" className="btn grip-btn" disabled={disabled} onClick={() => actions.gripper(0)} data-testid="gripper-open">
        Open
      </button>
      <div className="jog-mid">
        <span className="jog-name">Gripper</span>
        <span className="jog-value" ref={valueRef} data-testid="gripper-value">
          —
        </span>
        <span className="jog-keys">
          {KEY_GRIPPER_OPEN.label} / {KEY_GRIPPER_CLOSE.label} · closed
        </span>
      </div>
      <button type="button" className="btn grip-btn" disabled={disabled} onClick={() => actions.gripper(1)} data-testid="gripper-close">
        Close
      </button>
    </div>
  );
}

/** Keys and the gamepad feed the jog controller while the jog controls are on. */
function useJogInputs(enabled: boolean): string | null {
  const jog = useJog();
  const actions = useActions();
  const [pad, setPad] = useState<string | null>(null);
  const padState = useRef({ id: null as string | null, gripper: undefined as string | undefined });

  useEffect(() => {
    jog.setEnabled(enabled);
  }, [jog, enabled]);

  useEffect(() => {
    const typing = (e: Event): boolean => {
      const t = e.target as HTMLElement | null;
      return !!t && (t.tagName === 'INPUT' && (t as HTMLInputElement).type !== 'range' || t.tagName === 'TEXTAREA' || t.isContentEditable);
    };
    const down = (e: KeyboardEvent): void => {
      if (!jog.enabled || typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      const k = jogKey(e.code);
      if (k) {
        e.preventDefault();
        if (!e.repeat) jog.press(`key:${k.code}`, k.axis, k.direction);
      } else if (!e.repeat && e.code === KEY_GRIPPER_OPEN.code) actions.gripper(0);
      else if (!e.repeat && e.code === KEY_GRIPPER_CLOSE.code) actions.gripper(1);
    };
    const up = (e: KeyboardEvent): void => {
      const k = jogKey(e.code);
      if (k) jog.release(`key:${k.code}`);
    };
    const letGo = (): void => jog.releaseAll();
    const hidden = (): void => {
      if (document.visibilityState !== 'visible') jog.releaseAll();
    };
    addEventListener('keydown', down);
    addEventListener('keyup', up);
    addEventListener('blur', letGo);
    document.addEventListener('visibilitychange', hidden);
    return () => {
      removeEventListener('keydown', down);
      removeEventListener('keyup', up);
      removeEventListener('blur', letGo);
      document.removeEventListener('visibilitychange', hidden);
      jog.releaseAll();
    };
  }, [jog, actions]);

  useFrameLoop(() => {
    const pads = typeof navigator.getGamepads === 'function' ? navigator.getGamepads() : [];
    const p = Array.from(pads).find((g) => g !== null && g.connected) ?? null;
    const s = padState.current;
    const id = p ? p.id : null;
    if (id !== s.id) {
      s.id = id;
      setPad(id);
      if (!p) jog.release('pad');
    }
    if (!p || !jog.enabled) return;
    const cmd = padCommand(p, jog.mode);
    if (cmd.deadman) jog.setAxes('pad', cmd.axes);
    else jog.release('pad');
    if (cmd.gripper !== s.gripper) {
      s.gripper = cmd.gripper;
      if (cmd.gripper) actions.gripper(cmd.gripper === 'close' ? 1 : 0);
    }
  });
  return pad;
}

function Shortcuts({ pad }: { pad: string | null }) {
  return (
    <section className="card shortcuts" data-testid="shortcuts">
      <h3>Keyboard</h3>
      <p>
        Hold <kbd>Q</kbd>…<kbd>Y</kbd> for + and <kbd>A</kbd>…<kbd>H</kbd> for − (one column per row above). <kbd>{KEY_GRIPPER_OPEN.label}</kbd> open /{' '}
        <kbd>{KEY_GRIPPER_CLOSE.label}</kbd> close gripper. <kbd>{KEY_ESTOP.label}</kbd> E-STOP, on any page.
      </p>
      <h3>Gamepad</h3>
      <p className="pad-status">{pad ? `Connected: ${pad.replace(/\s*\(.*\)\s*$/, '')}` : 'No gamepad. Plug one in and press any button.'}</p>
      <ul>
        {PAD_LEGEND.map((l) => (
          <li key={l}>{l}</li>
        ))}
      </ul>
    </section>
  );
}

export function TeleopPanel() {
  const reason = useDisabledReason();
  const jog = useJog();
  const teleop = useCell((s) => s.welcome?.limits.teleop ?? null);
  const joints = useCell((s) => s.welcome?.cell.jointNames.length ?? 0);
  useEffect(() => {
    jog.configure(
      teleop
        ? {
            joints,
            maxJointVelocity: teleop.maxJointVelocity,
            maxTcpSpeed: teleop.maxTcpSpeed,
            // The bridge announces no rotation cap; the slowest joint's limit is a safe one for the wrist.
            maxAngularSpeed: Math.min(1, ...teleop.maxJointVelocity),
            deadmanTimeout: teleop.deadmanTimeout,
          }
        : undefined,
    );
  }, [jog, teleop, joints]);
  const pad = useJogInputs(reason === undefined && teleop !== null);
  return (
    <aside className="teleop" data-testid="teleop">
      <ControlSection />
      <JogSection disabledReason={reason} />
      <Shortcuts pad={pad} />
    </aside>
  );
}
