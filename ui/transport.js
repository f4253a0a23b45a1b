// The page's transport: Play, Pause, Step, To start and a speed, moving every chart of the
// page that has a Plotly frame per recorded step, in the browser, without a server rerun per
// frame. Pause and Step hand the step to the server (one rerun), which keeps it in the URL.
// State lives on window so it survives reruns: a rerun calls this function again with new
// data, and the ticker keeps going.
const G = (window.__bpTransport = window.__bpTransport || {
  playing: false,
  idx: 0,
  run: null,
  serverStep: null,
  steps: [],
  play: [],
  readout: [],
  fps: null, // steps a second: the speed menu's choice, DEFAULT_SPEED (transport.py) at first
  t0: 0,
  k0: 0,
  timer: null,
  root: null,
  setState: null,
  watching: false,
  syncQueued: false,
});

// Charts of scatter and bar traces only (Plotly can animate both) move their traces without
// a full redraw; the others (heatmaps) need one.
const animation = (redraw) => ({
  mode: "immediate",
  frame: { duration: 0, redraw },
  transition: { duration: 0 },
});
const ANIMATABLE = new Set(["scatter", "bar"]);
const needsRedraw = (gd) => !gd.data.every((t) => ANIMATABLE.has(t.type || "scatter"));

function frameSteps(gd) {
  const td = gd._transitionData;
  if (!td || !td._frames || td._frames.length === 0) return null;
  if (gd.__bpFrames !== td._frames) {
    gd.__bpFrames = td._frames;
    gd.__bpNums = td._frames
      .map((f) => Number(f.name))
      .filter((n) => Number.isInteger(n))
      .sort((a, b) => a - b);
  }
  return gd.__bpNums.length ? gd.__bpNums : null;
}

// The chart's frame for `step`: the step itself, else the latest frame before it.
function frameFor(nums, step) {
  let best = nums[0];
  for (const n of nums) {
    if (n > step) break;
    best = n;
  }
  return String(best);
}

// A frame's layout as relayout's update: a title object by its parts ("title.text"), since
// relayout replaces an object given whole and the title would lose its place and font.
function layoutUpdate(layout) {
  const update = {};
  for (const [key, value] of Object.entries(layout)) {
    if (key === "title" && value && typeof value === "object") {
      for (const [part, v] of Object.entries(value)) update[`title.${part}`] = v;
    } else {
      update[key] = value;
    }
  }
  return update;
}

// A frame's new trace names, as restyle's update: moved without a full redraw, a chart keeps
// the legend it had, and restyling the names draws it again (a style update, not the axes).
function renamed(frame) {
  const names = [];
  const traces = [];
  (frame.data || []).forEach((d, k) => {
    if (d && typeof d.name === "string") {
      names.push(d.name);
      traces.push(frame.traces ? frame.traces[k] : k);
    }
  });
  return names.length ? [{ name: names }, traces] : null;
}

function charts() {
  return Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot'));
}

// Set only what differs: a write, even of the same value, costs the browser a style and
// layout pass of the whole page.
function setData(el, key, value) {
  if (el.dataset[key] !== value) el.dataset[key] = value;
}

function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

// A sync soon, once however often asked: a chart that was drawing, or one the server just
// drew, catches up with the step without a ticker running while nothing plays.
function syncSoon() {
  if (G.syncQueued) return;
  G.syncQueued = true;
  requestAnimationFrame(() => {
    G.syncQueued = false;
    sync();
  });
}

// Move every chart to the current step; a chart still drawing catches up when it is done.
function sync() {
  const step = G.steps[G.idx];
  if (G.root) {
    setData(G.root, "step", String(step));
    setData(G.root, "playing", String(G.playing));
    setText(G.root.querySelector(".bp-readout"), G.readout[G.idx] || "");
    setText(G.root.querySelector(".bp-play"), G.playing ? "❚❚ Pause" : "▶ Play");
  }
  if (!window.Plotly || step === undefined) return;
  for (const gd of charts()) {
    const nums = frameSteps(gd);
    if (!nums || gd.__bpBusy) continue;
    const name = frameFor(nums, step);
    if (gd.__bpData !== gd.data || gd.__bpLayout !== gd.layout) {
      // A figure the server just drew (Streamlit may redraw a chart with a fresh layout and
      // the same data): it shows the step named in its meta.
      gd.__bpData = gd.data;
      gd.__bpLayout = gd.layout;
      gd.__bpShown = String((gd.layout.meta || {}).bpStep);
      gd.dataset.bpStep = gd.__bpShown;
    }
    if (gd.__bpShown === name) continue;
    gd.__bpBusy = true;
    const redraw = needsRedraw(gd);
    const frame = gd._transitionData._frameHash[name] || {};
    const names = redraw ? null : renamed(frame);
    const [data, drawnLayout] = [gd.data, gd.layout];
    window.Plotly.animate(gd, [name], animation(redraw))
      // Without a full redraw, a frame's layout (a title naming the step) and its trace names
      // (a legend naming it) need their own calls.
      .then(() =>
        frame.layout && !redraw ? window.Plotly.relayout(gd, layoutUpdate(frame.layout)) : null,
      )
      .then(() => (names ? window.Plotly.restyle(gd, ...names) : null))
      .then(() => {
        // Redrawn by the server meanwhile: the next sync starts again from what it drew.
        if (gd.data !== data || gd.layout !== drawnLayout) return;
        gd.__bpShown = name;
        gd.dataset.bpStep = name;
      })
      .catch(() => {}) // interrupted: tried again below
      .finally(() => {
        gd.__bpBusy = false;
        // The step moved on while this chart drew: while playing the next tick moves it.
        if (!G.playing && gd.__bpShown !== frameFor(nums, G.steps[G.idx])) syncSoon();
      });
  }
}

// Tell the server the step (one rerun): it updates the Step slider, the link and the pages.
function publish() {
  const step = G.steps[G.idx];
  G.serverStep = step;
  const url = new URL(window.location.href);
  url.searchParams.set("step", String(step));
  window.history.replaceState(window.history.state, "", url);
  if (G.setState) G.setState("step", step);
}

// The page's Step slider, moved by key or drag (either focuses it): show its step at once,
// while the server reruns what shows the step in words and tables. A slider the server
// redraws is not followed: the component's data says the server's step. Nor while playing:
// then the server's answer moves the transport (a new run restarts play at step 0).
function followSlider(records) {
  if (G.playing) return;
  for (const record of records) {
    const input = record.target;
    if (input !== document.activeElement || !input.closest(".st-key-step")) continue;
    const idx = G.steps.indexOf(Number(input.getAttribute("aria-valuetext")));
    if (idx < 0 || idx === G.idx) continue;
    G.idx = idx;
    startClock();
    // After the current task: Streamlit sends the slider's value first, so the server
    // starts on the step's words and tables while the browser moves the charts.
    setTimeout(sync, 0);
  }
}

// What moves the step or the charts between ticks: the Step slider, and a figure the server
// just drew (chart_view.js), which shows the step it was built at.
function watch() {
  if (G.watching) return;
  G.watching = true;
  new MutationObserver(followSlider).observe(document.body, {
    subtree: true,
    attributes: true,
    attributeFilter: ["aria-valuetext"],
  });
  document.addEventListener("bp-chart-drawn", syncSoon);
}

// The ticker runs only while playing: idle, each tick cost the page a style and layout pass.
function stopTimer() {
  if (G.timer) clearInterval(G.timer);
  G.timer = null;
}

function startTimer() {
  stopTimer();
  G.timer = setInterval(tick, 1000 / G.fps);
}

function tick() {
  if (!G.playing || (G.root && !G.root.isConnected)) {
    G.playing = false;
    stopTimer();
    return;
  }
  // The step follows the clock at the chosen speed through the steps Play shows, however
  // late a tick comes; a chart still drawing skips to the newest frame when it is done, so
  // a slow chart (or a busy machine) drops frames instead of slowing the others down.
  const k = G.k0 + Math.floor(((performance.now() - G.t0) / 1000) * G.fps);
  const target = G.play[Math.min(k, G.play.length - 1)];
  if (G.idx >= G.steps.length - 1) {
    G.playing = false;
    stopTimer();
    publish();
  } else {
    G.idx = Math.min(Math.max(target, G.idx), G.steps.length - 1);
  }
  sync();
}

// Play counts from the last step it shows at or before the current one.
function startClock() {
  G.t0 = performance.now();
  G.k0 = Math.max(0, G.play.filter((i) => i <= G.idx).length - 1);
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  G.setState = setStateValue;
  G.readout = data.readout;
  G.steps = data.steps;
  // Indices of the steps Play shows, always ending at the last recorded step.
  G.play = data.play.map((s) => data.steps.indexOf(s)).filter((i) => i >= 0);
  if (G.play[G.play.length - 1] !== data.steps.length - 1) G.play.push(data.steps.length - 1);
  const serverIdx = Math.max(0, data.steps.indexOf(data.step));
  if (G.run !== data.run) {
    // A new run: start from step 0 if it was playing (as Playground does), else at the
    // server's step.
    G.idx = G.playing && G.run !== null ? 0 : serverIdx;
    G.run = data.run;
    startClock();
  } else if (data.step !== G.serverStep) {
    G.idx = serverIdx; // the Step slider moved
    startClock();
  }
  G.serverStep = data.step;
  G.root = parentElement.querySelector(".bp-transport");
  const on = (cls, fn) => {
    parentElement.querySelector(cls).onclick = fn;
  };
  on(".bp-start", () => {
    G.playing = false;
    stopTimer();
    G.idx = 0;
    sync();
    publish();
  });
  on(".bp-play", () => {
    if (G.playing) {
      G.playing = false;
      stopTimer();
      publish();
    } else {
      if (G.idx >= G.steps.length - 1) G.idx = 0;
      G.playing = true;
      startClock();
      startTimer();
    }
    sync();
  });
  on(".bp-next", () => {
    G.playing = false;
    stopTimer();
    G.idx = Math.min(G.idx + 1, G.steps.length - 1);
    sync();
    publish();
  });
  const speed = parentElement.querySelector(".bp-speed");
  // The menu comes with the default selected; a speed chosen earlier in the visit stays.
  if (G.fps === null) G.fps = Number(speed.value);
  speed.value = String(G.fps);
  speed.onchange = () => {
    G.fps = Number(speed.value);
    startClock();
    if (G.playing) startTimer();
  };
  if (G.playing && !G.timer) startTimer();
  watch();
  sync();
}
