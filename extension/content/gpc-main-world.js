// Runs in the page's MAIN world at document_start in every frame (registered by
// background/signals.js, which leaves it out on exempt sites and when GPC is off).
// Defining the getter on Navigator.prototype makes inline page scripts see it at once.
(() => {
  try {
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {
      get() {
        return true;
      },
      configurable: true,
      enumerable: true,
    });
  } catch {
    // A page that froze Navigator.prototype first: nothing more can be done from here.
  }
})();
