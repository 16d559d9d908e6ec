// The premises a verdict rests on, as parameters: the model's sizes, and
// each way the real kernel and hardware can differ from the idealised one
// (docs/model.md says where each comes from in the code; docs/findings.md
// which verdicts each one flips). The defaults are the premises of the
// review thread: a host TSC that counts through the sleep, a sleep measured
// exactly, a guest on kvmclock that boots with the VM and stays.

/** How the host TSC behaves while the machine sleeps (hostTsc). */
export const HostTsc = {
  /** It keeps counting (s2idle, or X86_FEATURE_NONSTOP_TSC_S3). */
  counts: 0,
  /** It stops in S3 and goes on from where it was. */
  stops: 1,
  /** It resets to zero in S3; kvm_arch_hardware_enable keeps guest TSCs continuous and ends the masterclock. */
  resets: 2,
} as const;

/** How a userspace VMM learns that the host is about to suspend (vmmNotice). */
export const VmmNotice = {
  /** It does not: the suspend was started by a write to /sys/power/state, not through logind. */
  none: 0,
  /** logind's PrepareForSleep with a delay inhibitor: the suspend goes on when the VMM releases it, or after InhibitDelayMaxSec. */
  delay: 1,
  /** The suspend waits until the VMM has stopped its vCPUs (a guarantee neither logind nor the kernel gives). */
  waits: 2,
} as const;

/** Lock classes as lockdep sees them (every vcpu->mutex is one class). */
export const LockClass = {
  /** kvm->lock (a mutex). */
  kvmLock: 0,
  /** vcpu->mutex, held by the vCPU thread across KVM_RUN. */
  vcpuMutex: 1,
  /** The global kvm_lock (a mutex protecting vm_list). */
  kvmGlobalLock: 2,
  /** timekeeper_lock (a raw spinlock, interrupts off). */
  timekeeperLock: 3,
  count: 4,
} as const;

export const lockClassNames = ['kvm->lock', 'vcpu->mutex', 'kvm_lock', 'timekeeper_lock'];

/** Documentation/virt/kvm/locking.rst (v5.15): "kvm->lock is taken outside vcpu->mutex". */
export const documentedLockOrder: readonly (readonly [number, number])[] = [[LockClass.kvmLock, LockClass.vcpuMutex]];

export const kvmParams = {
  vcpus: { default: 2, min: 1, max: 12, doc: 'number of vCPUs (vCPU 0 holds the page the vDSO reads)' },
  suspends: { default: 2, min: 0, max: 8, doc: 'host suspends (successful or failed) in a run' },
  maxAwake: { default: 2, min: 0, max: 6, doc: 'host awake ticks in a run' },
  maxSleep: { default: 2, min: 1, max: 4, doc: 'longest single suspend, in ticks (each lasts 1..maxSleep)' },
  jumpTolerance: { default: 0, min: 0, max: 4, doc: 'ticks MONOTONIC may advance beyond host awake time (mono-no-jump)' },
  tscGranularity: { default: 1, min: 1, max: 4, doc: 'TSC adjustment unit in ticks (kvmclock moves by 1); >1 shows the ms truncation' },
  canFail: { default: 1, min: 0, max: 1, doc: '1: a suspend may fail after PM_SUSPEND_PREPARE' },
  vdso: { default: 1, min: 0, max: 1, doc: '1: observers also read through the vDSO (vCPU 0 page)' },
  // ---- premises: clock hardware ----
  hostTsc: { default: 0, min: 0, max: 2, doc: 'the host TSC in S3: 0 keeps counting (s2idle, NONSTOP_TSC_S3), 1 stops, 2 resets (KVM keeps guest TSCs continuous, the masterclock ends)' },
  sleepError: { default: 0, min: 0, max: 2, doc: 'ticks by which the host may mismeasure a sleep (the RTC counts whole seconds): offs_boot grows by D +- this' },
  guestClock: { default: 0, min: 0, max: 1, doc: "the guest's clocksource: 0 kvmclock, 1 the TSC (v5.15 guests prefer it with invariant TSC: kvm_clock.rating = 299)" },
  unstableTsc: { default: 0, min: 0, max: 1, doc: '1: the host TSC is unstable: no masterclock, kvm_guest_time_update catches the guest TSC up with boot time' },
  tscScaling: { default: 0, min: 0, max: 1, doc: '1: the guest TSC runs at another frequency than the host (a non-integer scaling ratio)' },
  // ---- premises: guest lifecycle ----
  lateEnable: { default: 0, min: 0, max: 1, doc: '1: the guest kernel boots (and writes MSR_KVM_HOST_SUSPEND_TIME) after VM creation; host suspends may come first' },
  reboot: { default: 0, min: 0, max: 1, doc: '1: the guest may reboot once, through a VMM reset (every TSC rewritten and matched) or a kexec; the MSR stays enabled' },
  asyncPf: { default: 0, min: 0, max: 1, doc: '1: async page fault "page ready" interrupts share HYPERVISOR_CALLBACK_VECTOR' },
  migrate: { default: 0, min: 0, max: 1, doc: '1: the VM may be live-migrated once, each TSC restored as it was or matched to the first by kvm_synchronize_tsc' },
  // ---- premises: locks and userspace ----
  vmIoctl: { default: 0, min: 0, max: 1, doc: '1: a VMM thread issues a VM ioctl that takes kvm->lock, then every vcpu->mutex (locks can block)' },
  vmmNotice: { default: 0, min: 0, max: 2, doc: 'userspace designs: how the VMM learns of a suspend: 0 not at all, 1 logind PrepareForSleep with a delay lock that may time out, 2 the suspend waits for the VMM' },
} as const;

export type KvmParamName = keyof typeof kvmParams;
export type KvmParams = Readonly<Record<KvmParamName, number>>;
