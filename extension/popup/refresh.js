// Keeps an open popup current. What it shows changes while it is open: the host connects for
// the first time, comes back after an outage, or the page blocks more requests. Rendering once
// left a popup opened during a connection showing "connecting" until it was reopened.
// No DOM and no browser API here: the popup passes in how to load, paint and wait.

/** How long to wait before the next look: soon while the host is connecting, slower otherwise. */
export const REFRESH_MS = { connecting: 500, steady: 2000 };

export function refreshDelay(model) {
  return model?.host?.state === 'connecting' ? REFRESH_MS.connecting : REFRESH_MS.steady;
}

/**
 * @param {object} o
 * @param {() => Promise<object>} o.load          the model to show (popup_state through popupModel)
 * @param {(model: object, focusId?: string) => void} o.paint
 * @param {(fn: () => void, ms: number) => any} o.setTimer
 * @param {(timer: any) => void} o.clearTimer
 * @param {(model: object) => number} [o.delay]   refreshDelay by default
 * @param {() => string|undefined} [o.focused]    the id of the focused control, kept on a repaint
 */
export function createRefresher({ load, paint, setTimer, clearTimer, delay = refreshDelay, focused = () => undefined }) {
  let shown = null; // the painted model, serialised: a repaint only when something changed
  let timer = null;
  let stopped = false;
  let generation = 0; // a slower load that finishes after a newer one must not paint over it
  // Switches being saved. A look started before a change, or during one, could come back with
  // the value from before it and flip the switch back under the user's finger (until the
  // repaint after the save): such looks are not painted, and the popup repaints once the last
  // change is saved.
  let changing = 0;

  const schedule = (ms) => {
    if (stopped) return;
    clearTimer(timer);
    timer = setTimer(() => {
      refresh().catch(() => {});
    }, ms);
  };

  /**
   * Loads and paints now. `force` paints even an unchanged model (after the user acted, to put
   * the focus back); `focusId` is the control to focus (the focused one by default).
   */
  async function refresh({ force = false, focusId } = {}) {
    const mine = ++generation;
    let model;
    try {
      model = await load();
    } catch (e) {
      // The background may be starting or restarting: look again later, keep what is shown.
      if (mine === generation) schedule(REFRESH_MS.steady);
      throw e;
    }
    if (mine !== generation || stopped || changing > 0) return model;
    const key = JSON.stringify(model);
    if (force || key !== shown) {
      shown = key;
      paint(model, focusId ?? focused());
    }
    schedule(delay(model));
    return model;
  }

  /**
   * Runs `send` (the user's change, e.g. set_choice) with looks held, then repaints (forced,
   * focusing `focusId`) once no other change is still being saved. Returns what `send` returns.
   */
  async function change(send, { focusId } = {}) {
    changing += 1;
    generation += 1; // a look under way predates the change
    clearTimer(timer);
    timer = null;
    try {
      return await send();
    } finally {
      changing -= 1;
      if (changing === 0) await refresh({ force: true, focusId });
    }
  }

  return {
    refresh,
    change,
    stop() {
      stopped = true;
      clearTimer(timer);
      timer = null;
    },
  };
}
