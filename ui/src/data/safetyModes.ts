/**
 * The robot's safety mode in words. The wire carries UR SafetyMode numbers
 * (`StateMessage.safetyMode`, `CellStatusSample.safetyMode`); operators
 * read the words on the pendant, so the UI shows the same words.
 */
export type SafetyTone = 'ok' | 'notice' | 'stop';

export interface SafetyModeInfo {
  /** As the pendant says it, in capitals. */
  label: string;
  tone: SafetyTone;
}

const MODES: Record<number, SafetyModeInfo> = {
  1: { label: 'NORMAL', tone: 'ok' },
  2: { label: 'REDUCED', tone: 'notice' },
  3: { label: 'PROTECTIVE STOP', tone: 'stop' },
  4: { label: 'RECOVERY', tone: 'stop' },
  5: { label: 'SAFEGUARD STOP', tone: 'stop' },
  6: { label: 'EMERGENCY STOP (SYSTEM)', tone: 'stop' },
  7: { label: 'EMERGENCY STOP (ROBOT)', tone: 'stop' },
  8: { label: 'SAFETY VIOLATION', tone: 'stop' },
  9: { label: 'FAULT', tone: 'stop' },
  10: { label: 'VALIDATING JOINTS', tone: 'notice' },
  11: { label: 'UNKNOWN', tone: 'notice' },
  12: { label: 'AUTOMATIC MODE SAFEGUARD STOP', tone: 'stop' },
  13: { label: 'ENABLING DEVICE RELEASED', tone: 'stop' },
};

export function safetyModeInfo(mode: number | null | undefined): SafetyModeInfo {
  if (mode === null || mode === undefined) return { label: 'UNKNOWN', tone: 'notice' };
  return MODES[mode] ?? { label: `MODE ${mode}`, tone: 'notice' };
}

/** A problem (message + tip) for safety modes that stop or slow the robot; undefined for NORMAL. */
export function safetyModeProblem(mode: number | null | undefined): { severity: 'danger' | 'warning' | 'info'; message: string; tip: string } | undefined {
  switch (mode) {
    case 2:
      return { severity: 'info', message: 'Reduced mode: the robot moves slower than usual', tip: 'A safety zone or plane is active. This is normal when people are near.' };
    case 3:
      return { severity: 'danger', message: 'Protective stop: the robot stopped itself', tip: 'Move the arm clear of what it touched, then press Unlock on the teach pendant.' };
    case 4:
      return { severity: 'danger', message: 'Recovery mode: a joint is outside its limits', tip: 'Move the joint back inside its limits from the teach pendant.' };
    case 5:
    case 12:
      return { severity: 'danger', message: 'Safeguard stop: a guard, door or light curtain is open', tip: 'Close it and make sure nobody is inside the cell. The robot resumes when it closes.' };
    case 6:
    case 7:
      return { severity: 'danger', message: 'Emergency stop pressed on the robot', tip: 'Release the red button on the pendant or cell, then power on and unlock from the teach pendant.' };
    case 8:
    case 9:
      return { severity: 'danger', message: 'Robot safety fault', tip: 'Read the message on the teach pendant and restart the safety system from there. Call maintenance if it comes back.' };
    case 13:
      return { severity: 'danger', message: 'Enabling device released: the robot stopped', tip: 'Hold the enabling switch on the pendant to continue.' };
    default:
      return undefined;
  }
}
