-- The clockcheck KVM suspend-time model (model/core/, model/arch/x86.ts, model/designs/x86.ts) in
-- Murphi, for Rumur. Every rule is one clockcheck action, so both tools
-- store the same states. bench/run.ts rewrites the constants below.
-- Fields a design never changes (guest-sync, VMM, mutant fields) are left
-- out: they are constant, so they do not change the count. So are the
-- premises' fields at their defaults (model/premises.ts): with the host TSC
-- counting through the sleep (hostTsc=0) and no sleep error, the TSC counts
-- exactly what offs_boot grows by (hostTscSlept = hostSlept), so the
-- masterclock snapshot's skew (masterSkew = hostSlept - hostTscSlept) is
-- always 0 and a page is written as pageBase = -kvmclockAdj + tscAdj.

const
  VCPUS : 3;
  SUSPENDS : 2;
  MAXAWAKE : 2;
  MAXSLEEP : 2;
  GRAN : 1;
  CANFAIL : true;
  VDSO : true;
  V3 : true;   -- false: the upstream baseline

  MAXTOTAL : SUSPENDS * MAXSLEEP;
  RUNNING : 0; PREPARED : 1; FROZEN : 2; RESUMED : 3; THAWED : 4;
  PC_RUN : 0; PC_RETRY : 1; PC_GUEST : 2;

type
  vcpu_t : 0 .. VCPUS - 1;
  total_t : 0 .. MAXTOTAL;
  clock_t : -(3 * MAXTOTAL) .. MAXAWAKE + 4 * MAXTOTAL;
  vcpu_state : record
    pc : 0 .. 2;
    reqAdj : boolean;
    reqClock : boolean;
    suspendNs : total_t;
    tscAdj : total_t;
    pageBase : -MAXTOTAL .. MAXTOTAL;  -- pvclock page: system_time - tsc_timestamp (refreshPage)
    irqPending : boolean;
  end;

var
  hostPhase : 0 .. 4;
  hostAwake : 0 .. MAXAWAKE;
  hostSlept : total_t;
  suspendsStarted : 0 .. SUSPENDS;
  kvmSuspendNs : total_t;
  kvmclockAdj : total_t;
  sharedSuspendNs : total_t;
  vcpu : array [vcpu_t] of vcpu_state;
  guestOffsBoot : 0 .. MAXTOTAL * SUSPENDS;
  guestInjected : total_t;
  lastMono : clock_t;
  lastBoot : clock_t;
  lastAwake : 0 .. MAXAWAKE;

procedure requestClockUpdateAll();
begin
  for j : vcpu_t do vcpu[j].reqClock := true; endfor;
end;

-- vcpu_enter_guest after request processing: clock update, then the entry check.
procedure finishPass(i : vcpu_t);
begin
  if vcpu[i].reqClock then
    vcpu[i].reqClock := false;
    vcpu[i].pageBase := vcpu[i].tscAdj - kvmclockAdj;
  endif;
  if vcpu[i].reqClock | vcpu[i].reqAdj then vcpu[i].pc := PC_RUN; else vcpu[i].pc := PC_GUEST; endif;
end;

startstate "boot"
begin
  hostPhase := RUNNING; hostAwake := 0; hostSlept := 0; suspendsStarted := 0;
  kvmSuspendNs := 0; kvmclockAdj := 0; sharedSuspendNs := 0;
  for j : vcpu_t do
    vcpu[j].pc := PC_RUN; vcpu[j].reqAdj := false; vcpu[j].reqClock := false;
    vcpu[j].suspendNs := 0; vcpu[j].tscAdj := 0; vcpu[j].pageBase := 0; vcpu[j].irqPending := false;
  endfor;
  guestOffsBoot := 0; guestInjected := 0; lastMono := 0; lastBoot := 0; lastAwake := 0;
end;

rule "tick" hostAwake < MAXAWAKE ==> begin hostAwake := hostAwake + 1; end;

rule "pmSuspendPrepare" hostPhase = RUNNING & suspendsStarted < SUSPENDS ==>
begin
  suspendsStarted := suspendsStarted + 1;
  hostPhase := PREPARED;
  -- kvm_arch_pm_notifier -> kvm_set_guest_paused: KVM_REQ_CLOCK_UPDATE on every vCPU (every design).
  requestClockUpdateAll();
  if V3 then for j : vcpu_t do vcpu[j].reqAdj := true; endfor; endif;
end;

-- A thread between the d == 0 check and its re-request finishes the pass, then freezes.
rule "freezeTasks" hostPhase = PREPARED ==>
begin
  for j : vcpu_t do
    if vcpu[j].pc = PC_RETRY then vcpu[j].reqAdj := true; finishPass(j); endif;
    if vcpu[j].pc = PC_GUEST then vcpu[j].pc := PC_RUN; endif;
  endfor;
  hostPhase := FROZEN;
end;

ruleset dur : 1 .. MAXSLEEP do
  rule "hostSleep" hostPhase = FROZEN ==> begin hostSlept := hostSlept + dur; hostPhase := RESUMED; end;
end;

rule "thawTasks" hostPhase = RESUMED ==> begin hostPhase := THAWED; end;

rule "pmPostSuspend" hostPhase = THAWED ==>
begin
  hostPhase := RUNNING;
  if V3 then
    for j : vcpu_t do if hostSlept = vcpu[j].suspendNs then vcpu[j].reqAdj := false; endif; endfor;
  endif;
end;

rule "suspendFail" CANFAIL & (hostPhase = PREPARED | hostPhase = FROZEN) ==> begin hostPhase := THAWED; end;

ruleset i : vcpu_t do
  rule "vcpuRun" vcpu[i].pc = PC_RUN & hostPhase != FROZEN & hostPhase != RESUMED ==>
  var total : total_t; d : total_t;
  begin
    if V3 & vcpu[i].reqAdj then
      vcpu[i].reqAdj := false;
      total := hostSlept;
      if total > kvmSuspendNs then
        kvmclockAdj := kvmclockAdj + total - kvmSuspendNs;
        kvmSuspendNs := total;
        requestClockUpdateAll();
      endif;
      d := 0;
      if total > vcpu[i].suspendNs then d := total - vcpu[i].suspendNs; vcpu[i].suspendNs := total; endif;
      if d = 0 then
        vcpu[i].pc := PC_RETRY;
      else
        vcpu[i].tscAdj := vcpu[i].tscAdj + (d / GRAN) * GRAN;
        -- KVM_REQ_MASTERCLOCK_UPDATE: a new snapshot (skew still 0), then a clock update on every vCPU.
        requestClockUpdateAll();
        sharedSuspendNs := kvmSuspendNs;
        vcpu[i].irqPending := true;
        finishPass(i);
      endif;
    else
      finishPass(i);
    endif;
  end;

  rule "vcpuExit" vcpu[i].pc = PC_GUEST ==> begin vcpu[i].pc := PC_RUN; end;

  ruleset path : 0 .. 1 do
    rule "readClock" vcpu[i].pc = PC_GUEST & (path = 0 | VDSO) ==>
    var page : vcpu_t;
    begin
      if path = 0 then page := i; else page := 0; endif;
      lastMono := vcpu[page].pageBase + hostAwake + hostSlept - vcpu[i].tscAdj;
      lastBoot := lastMono + guestOffsBoot;
      lastAwake := hostAwake;
    end;
  end;

  rule "vcpuRetry" vcpu[i].pc = PC_RETRY ==> begin vcpu[i].reqAdj := true; finishPass(i); end;

  rule "guestIrq" vcpu[i].pc = PC_GUEST & vcpu[i].irqPending ==>
  begin
    vcpu[i].irqPending := false;
    if sharedSuspendNs > guestInjected then
      guestOffsBoot := guestOffsBoot + sharedSuspendNs - guestInjected;
      guestInjected := sharedSuspendNs;
    endif;
  end;
end;
