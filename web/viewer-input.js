// What a receiver's hands do to a plane: the wheel scrolls (with Ctrl, zooms), the left
// button does the chosen tool (window/level, pan or measure), the middle and right
// buttons pan, a click without a drag moves the cross-hair, and the keys a radiology
// workstation uses step through the images.

// Pixels a wheel must travel for one image, so a touchpad's small deltas add up
// instead of racing through the stack; a mouse notch is one image.
const WHEEL_STEP = 50;
// A press that moves less than this is a click.
const CLICK_SLOP = 3;
const KEY_STEPS = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 };

/**
 * Listen to the pointer, the wheel and the keys on `plane`'s viewport, acting through
 * `viewer` (its `tool`, `dragWindow(dx, dy)` and `clicked(plane, point)`); returns the
 * function that stops listening.
 */
export function attachInput(plane, viewer) {
  const target = plane.viewport;
  let wheel = 0;
  let drag = null;

  const local = (event) => {
    const box = target.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  };

  const onWheel = (event) => {
    event.preventDefault();
    const pixels = event.deltaMode === WheelEvent.DOM_DELTA_PIXEL ? event.deltaY : event.deltaY * WHEEL_STEP;
    if (event.ctrlKey) {
      const at = local(event);
      plane.zoomBy(Math.exp(-pixels / 500), at.x, at.y);
      return;
    }
    let steps;
    if (Math.abs(pixels) >= WHEEL_STEP) {
      wheel = 0;
      steps = Math.sign(pixels);
    } else {
      wheel += pixels;
      steps = Math.trunc(wheel / WHEEL_STEP);
      wheel -= steps * WHEEL_STEP;
    }
    if (steps) plane.show(plane.index + steps);
  };

  const onDown = (event) => {
    if (event.button > 2 || drag) return;
    const tool = event.button === 0 ? viewer.tool : "pan";
    const at = local(event);
    drag = { id: event.pointerId, tool, start: at, last: at, moved: false, button: event.button };
    target.setPointerCapture(event.pointerId);
    target.focus({ preventScroll: true });
    event.preventDefault();
  };

  const onMove = (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    const at = local(event);
    const dx = at.x - drag.last.x;
    const dy = at.y - drag.last.y;
    drag.last = at;
    drag.moved ||= Math.hypot(at.x - drag.start.x, at.y - drag.start.y) >= CLICK_SLOP;
    if (!drag.moved) return;
    if (drag.tool === "window") viewer.dragWindow(dx, dy);
    else if (drag.tool === "pan") plane.panBy(dx, dy);
    else plane.setMeasure(plane.toImage(drag.start.x, drag.start.y), plane.toImage(at.x, at.y));
  };

  const onUp = (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    const { moved, button, start } = drag;
    drag = null;
    if (!moved && button === 0) viewer.clicked(plane, plane.toImage(start.x, start.y));
  };

  const onKey = (event) => {
    const count = plane.count;
    const moves = { ...KEY_STEPS, Home: -count, End: count };
    if (!(event.key in moves) || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    plane.show(plane.index + moves[event.key]);
  };

  const onMenu = (event) => event.preventDefault();
  const listeners = [
    ["wheel", onWheel, { passive: false }],
    ["pointerdown", onDown],
    ["pointermove", onMove],
    ["pointerup", onUp],
    ["pointercancel", onUp],
    ["keydown", onKey],
    ["contextmenu", onMenu],
  ];
  for (const [type, listener, options] of listeners) target.addEventListener(type, listener, options);
  return () => {
    for (const [type, listener] of listeners) target.removeEventListener(type, listener);
  };
}
