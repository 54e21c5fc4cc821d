/**
 * A clock for the fake clouds' state transitions (pass `now: clock.now` to a fake). It follows
 * real time until held; while held, every server stays in the state it is in (booting,
 * rebooting, locked by an action) until the test advances the clock or releases it.
 *
 * Why: a test that checks an in-between state ("still pending right after the create", "busy
 * while rebooting") must not depend on the machine being fast enough to look before the fake's
 * boot or action delay has passed; on a loaded machine it often was not.
 *
 *   clock.hold();
 *   const created = await provider.createServer(input);   // stays "pending" while held
 *   …assert the in-between state…
 *   clock.release();                                       // time flows on from where it stood
 */
export class FakeClock {
  /** Added to real time while the clock runs (grows with advance(), and while it was held). */
  private offsetMs = 0;
  private heldAt: number | null = null;

  /** The fakes' "now" in ms. Bound, so it can be handed over as `now: clock.now`. */
  readonly now = (): number => this.heldAt ?? Date.now() + this.offsetMs;

  /** Stops time where it is (holding twice keeps the first point). */
  hold(): void {
    this.heldAt ??= this.now();
  }

  /** Moves time forward by `ms`, held or not. */
  advance(ms: number): void {
    if (this.heldAt !== null) this.heldAt += ms;
    else this.offsetMs += ms;
  }

  /** Lets time run again from where it was held: it never jumps back. */
  release(): void {
    if (this.heldAt === null) return;
    this.offsetMs = this.heldAt - Date.now();
    this.heldAt = null;
  }

  get held(): boolean {
    return this.heldAt !== null;
  }
}
