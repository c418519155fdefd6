/**
 * One calm line on a page: the last problem (with its tip), else the last
 * confirmation, each with an OK that dismisses it. A problem that comes from
 * a listing (not from the person's action) has no OK: it goes when fixed.
 */
/** A fault as data: what happened and what to do about it. */
export interface PageProblem {
  severity: 'info' | 'warning' | 'error';
  message: string;
  tip: string;
}

export interface PageMessageProps {
  /** The problem from the person's last action (dismissable). */
  problem: PageProblem | null;
  /** A standing problem, e.g. a folder that could not be read. */
  listProblem: PageProblem | null;
  notice: string | null;
  onDismiss: () => void;
  /** CSS class prefix of the page's message styles, e.g. `ds` → `ds-message`. */
  classPrefix: string;
  /** Test ids are `<testIdPrefix>-problem` and `<testIdPrefix>-notice`. */
  testIdPrefix: string;
}

export function PageMessage({ problem, listProblem, notice, onDismiss, classPrefix: c, testIdPrefix: t }: PageMessageProps) {
  const shown = problem ?? listProblem;
  if (shown) {
    return (
      <div className={`${c}-message ${c}-message-${shown.severity}`} role="alert" data-testid={`${t}-problem`}>
        <span className={`${c}-message-icon`}>!</span>
        <span className={`${c}-message-text`}>
          <strong>{shown.message}</strong>
          <span className={`${c}-message-tip`}>{shown.tip}</span>
        </span>
        {problem && (
          <button className="btn btn-small" onClick={onDismiss}>
            OK
          </button>
        )}
      </div>
    );
  }
  if (notice) {
    return (
      <div className={`${c}-message ${c}-message-ok`} role="status" data-testid={`${t}-notice`}>
        <span className={`${c}-message-icon`}>✓</span>
        <span className={`${c}-message-text`}>{notice}</span>
        <button className="btn btn-small" onClick={onDismiss}>
          OK
        </button>
      </div>
    );
  }
  return null;
}
