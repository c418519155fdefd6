/**
 * The latest feedback for one area of the controls (the jog buttons, the
 * control button, the gripper), shown for a few seconds next to them.
 */
import { useEffect, useState } from 'react';
import { useCell } from '../app/CellContext.tsx';
import type { Feedback, FeedbackArea } from '../data/feedback.ts';

const SHOW_MS = 8000;

export function useFeedback(area: FeedbackArea, mineOnly = true): Feedback | undefined {
  const all = useCell((s) => s.feedback);
  // Re-rendered when the shown feedback expires.
  const [, setTick] = useState(0);
  let latest: Feedback | undefined;
  for (let i = all.length - 1; i >= 0; i--) {
    const f = all[i];
    if (f.area === area && (!mineOnly || f.mine)) {
      latest = f;
      break;
    }
  }
  const expiresAt = latest ? latest.at + SHOW_MS : 0;
  useEffect(() => {
    if (!latest) return;
    const wait = expiresAt - Date.now();
    if (wait <= 0) return;
    const t = setTimeout(() => setTick((n) => n + 1), wait + 50);
    return () => clearTimeout(t);
  }, [latest, expiresAt]);
  return latest && Date.now() < expiresAt ? latest : undefined;
}
