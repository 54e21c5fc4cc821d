/**
 * Whether a process with this pid exists: signal 0 checks without sending anything. EPERM means it
 * exists but belongs to another user (e.g. a cluster run as `postgres`). Used to tell a crashed test
 * run's leftovers (databases, network namespaces named after its pid) from a run still going.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
