// The parameters every architecture has: the model's sizes and the premises
// that concern the host and its userspace rather than a CPU architecture.
// An architecture's parameter list (model/arch/*.ts) takes these in its own
// order and may give a parameter a doc in its own words.

/** How a userspace VMM learns that the host is about to suspend (vmmNotice). */
export const VmmNotice = {
  /** It does not: the suspend was started by a write to /sys/power/state, not through logind. */
  none: 0,
  /** logind's PrepareForSleep with a delay inhibitor: the suspend goes on when the VMM releases it, or after InhibitDelayMaxSec. */
  delay: 1,
  /** The suspend waits until the VMM has stopped its vCPUs (a guarantee neither logind nor the kernel gives). */
  waits: 2,
} as const;

export const coreParams = {
  vcpus: { default: 2, min: 1, max: 12, doc: 'number of vCPUs' },
  suspends: { default: 2, min: 0, max: 8, doc: 'host suspends (successful or failed) in a run' },
  maxAwake: { default: 2, min: 0, max: 6, doc: 'host awake ticks in a run' },
  maxSleep: { default: 2, min: 1, max: 4, doc: 'longest single suspend, in ticks (each lasts 1..maxSleep)' },
  jumpTolerance: { default: 0, min: 0, max: 4, doc: 'ticks MONOTONIC may advance beyond host awake time (mono-no-jump)' },
  canFail: { default: 1, min: 0, max: 1, doc: '1: a suspend may fail after PM_SUSPEND_PREPARE' },
  vdso: { default: 1, min: 0, max: 1, doc: '1: observers also read through the vDSO' },
  vmmNotice: { default: 0, min: 0, max: 2, doc: 'userspace designs: how the VMM learns of a suspend: 0 not at all, 1 logind PrepareForSleep with a delay lock that may time out, 2 the suspend waits for the VMM' },
} as const;
