import type { EpisodeMeta } from '@cellkit/datasets';
import { describe, expect, it } from 'vitest';

import { episodeBadges } from './episodeBadges.ts';

const META: EpisodeMeta = { index: 3, task: 'pick_place', outcome: 'success', operator: 'demo', notes: '', startTime: 100, endTime: 110, status: 'complete' };

describe('episodeBadges', () => {
  it('says how much of an episode training leaves out, and why', () => {
    expect(episodeBadges(META)).toEqual([]);
    const badges = episodeBadges({ ...META, excluded: [{ start: 200, end: 202.25, reason: 'nudged approach' }, { start: 205, end: 205.5, reason: 'nudged approach' }] });
    expect(badges).toEqual([{ code: 'excluded', text: '2.8 s left out of training', severity: 'info', tip: expect.stringMatching(/^Marked not to learn from: nudged approach\. .*those 2 spans/) }]);
  });
});
