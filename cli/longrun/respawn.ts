// The child side of bin/respawn.js (`check --spill` runs in a child process
// started with glibc's MALLOC_MMAP_THRESHOLD_; see there why).

/** In the child: when the parent is gone (the IPC channel closes), stop as on SIGTERM. */
export function watchParent(): void {
  const channel = (process as { channel?: { unref(): void } }).channel;
  if (process.env.CLOCKCHECK_RESPAWNED !== '1' || channel === undefined) return;
  // The channel must not keep the child alive once its work is done.
  channel.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
