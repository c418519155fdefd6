/**
 * One fixed-height line under the header: the most serious problem as a
 * message with a tip, or a calm "all clear". More problems open in a list
 * that floats over the page (nothing below moves).
 */
import { useState } from 'react';
import { useCell } from '../app/CellContext.tsx';

export function ProblemBar() {
  const problems = useCell((s) => s.problems);
  const [open, setOpen] = useState(false);
  const top = problems[0];
  if (!top) {
    return (
      <div className="problems problems-clear" data-testid="problems" data-count={0}>
        <span className="problem-icon" aria-hidden>
          ✓
        </span>
        <span className="problem-message">All clear</span>
        <span className="problem-tip">No problems reported by the cell.</span>
      </div>
    );
  }
  return (
    <div className={`problems problems-${top.severity}`} data-testid="problems" data-count={problems.length} role="alert">
      <span className="problem-icon" aria-hidden>
        {top.severity === 'info' ? 'i' : '!'}
      </span>
      <span className="problem-message">{top.message}</span>
      <span className="problem-tip">{top.tip}</span>
      {problems.length > 1 && (
        <button type="button" className="btn btn-small problems-more" onClick={() => setOpen(!open)}>
          {open ? 'Hide' : `+${problems.length - 1} more`}
        </button>
      )}
      {open && problems.length > 1 && (
        <ul className="problems-list">
          {problems.slice(1).map((p) => (
            <li key={p.id} className={`problem-item problem-item-${p.severity}`}>
              <strong>{p.message}</strong>
              <span>{p.tip}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
