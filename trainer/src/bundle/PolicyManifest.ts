// `policy.json`: everything the runtime and the bridge need besides the
// weights — what goes in and out (with feature names, so a mismatched cell is
// caught before it moves), how to normalize, at what rate to run, and what it
// was trained on.
import type { PolicyKinematics } from '../data/derivedState.ts';
import type { Normalization } from '../data/Normalization.ts';
import type { CameraSpec, PolicyTraits } from '../policies/PolicyDefinition.ts';

export const POLICY_FORMAT = 'cellkit-policy';
export const POLICY_FORMAT_VERSION = 1;

export interface PolicyManifest {
  format: typeof POLICY_FORMAT;
  version: number;
  /** Registered policy name, e.g. 'chunk'. */
  policy: string;
  /** Resolved policy options (all defaults filled in). */
  policyOptions: object;
  traits: PolicyTraits;
  inputs: {
    /** State feature names in model column order. */
    state: string[];
    /** Cameras in model input order. */
    cameras: CameraSpec[];
  };
  outputs: {
    /** Action feature names in model column order. */
    action: string[];
    /** Steps per prediction (H). */
    horizon: number;
    /**
     * Actions the demonstrations only set to 0 or 1 (e.g. the gripper): the runtime
     * outputs 1 when the (ensembled) prediction is ≥ 0.5, else 0 — a blend of
     * "open" and "closed" is a half-closed gripper that lands on the object.
     * Absent in bundles from before it existed: nothing is snapped.
     */
    binary?: string[];
  };
  normalization: Normalization;
  /** Control rate in Hz the policy was trained at; run it at this rate. */
  rate: number;
  robotProfile: string | null;
  jointNames: string[];
  /**
   * The arm model and tool point the derived inputs (`observation.tcp_pose.*`, `observation.tcp_height.z`)
   * and twist outputs (`action.twist.*`) were computed with: the runner
   * computes and converts them the same way, and refuses a cell whose arm or
   * tool offset differs. Absent when the policy has none (and in bundles from
   * before derived inputs existed).
   */
  kinematics?: PolicyKinematics;
  dataset: { id: string | null; hash: string | null };
  /** The training run's metrics.json content. */
  training: Record<string, unknown>;
  /** tfjs model files in the bundle folder. */
  modelFiles: { topology: string; weights: string };
  createdAt: string;
}

/** Throws unless `value` looks like a policy manifest of a version we read. */
export function assertPolicyManifest(value: unknown, where: string): asserts value is PolicyManifest {
  const m = value as Partial<PolicyManifest> | null;
  if (m == null || m.format !== POLICY_FORMAT) {
    throw new Error(`${where}: expected format '${POLICY_FORMAT}', found ${JSON.stringify(m?.format)}; is this a cellkit policy bundle?`);
  }
  if (m.version !== POLICY_FORMAT_VERSION) {
    throw new Error(`${where}: expected version ${POLICY_FORMAT_VERSION}, found ${m.version}; update cellkit or retrain the policy`);
  }
}
