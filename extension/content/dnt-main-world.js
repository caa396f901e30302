// Runs in the page's MAIN world at document_start in every frame (registered by
// background/signals.js, which leaves it out on exempt sites and when DNT is off).
(() => {
  try {
    Object.defineProperty(Navigator.prototype, 'doNotTrack', {
      get() {
        return '1';
      },
      configurable: true,
      enumerable: true,
    });
  } catch {
    // A page that froze Navigator.prototype first: nothing more can be done from here.
  }
})();
