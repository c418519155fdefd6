/**
 * The E-STOP: large, red, in the header of every tab, for every role. It
 * acts on pointer-down (no waiting for the release) and on Enter/Space.
 * When latched it says so and offers Reset to those allowed to move the
 * robot. If the stop cannot even leave the screen, it says to use the
 * hardware button.
 */
import { useEffect, useState } from 'react';
import { roleAllows } from '@cellkit/bridge/protocol';
import { useActions, useCell, useJog } from '../app/CellContext.tsx';

export function EstopControl() {
  const actions = useActions();
  const jog = useJog();
  const estopped = useCell((s) => s.control?.estopped ?? false);
  const role = useCell((s) => s.welcome?.role ?? null);
  const [unsent, setUnsent] = useState(false);
  const canReset = role !== null && roleAllows(role, 'control');
  const online = useCell((s) => s.link.state === 'open');
  useEffect(() => {
    if (online) setUnsent(false);
  }, [online]);

  const press = (): void => {
    jog.releaseAll();
    setUnsent(!actions.estop('E-STOP button'));
  };

  return (
    <div className="estop-area">
      <button
        type="button"
        className={estopped ? 'estop estop-latched' : 'estop'}
        data-testid="estop"
        aria-label={estopped ? 'E-STOP latched' : 'E-STOP: stop the robot now'}
        onPointerDown={press}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            press();
          }
        }}
      >
        {estopped ? (
          <>
            <span className="estop-title">E-STOP latched</span>
            <span className="estop-sub">robot will not move</span>
          </>
        ) : (
          <>
            <span className="estop-title">E-STOP</span>
            <span className="estop-sub">{unsent ? 'NOT SENT — use the red button on the robot' : 'Esc key'}</span>
          </>
        )}
      </button>
      <div className="estop-reset-slot">
        {estopped &&
          (canReset ? (
            <button type="button" className="btn btn-reset" data-testid="estop-reset" onClick={() => actions.resetEstop()}>
              Reset
            </button>
          ) : (
            <span className="estop-note">Ask an operator to reset</span>
          ))}
      </div>
    </div>
  );
}
