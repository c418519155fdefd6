/** A fixed-height slot for feedback next to a control: empty, or a message with a tip. */
import type { Feedback } from '../data/feedback.ts';

export function FeedbackLine({ feedback, testId }: { feedback: Feedback | undefined; testId?: string }) {
  return (
    <div className={`feedback feedback-${feedback?.tone ?? 'none'}`} data-testid={testId} role="status" aria-live="polite">
      {feedback && (
        <>
          <span className="feedback-message">{feedback.message}</span>
          {feedback.tip && <span className="feedback-tip">{feedback.tip}</span>}
        </>
      )}
    </div>
  );
}
