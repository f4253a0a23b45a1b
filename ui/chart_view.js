// A Plotly chart that stays on screen: a new figure for it (a retrain) is drawn once, at the
// chart's width, hidden over the figure on screen, which it then replaces; the figure before
// is kept drawn, so a setting changed back shows it without drawing it again.
// st.plotly_chart mounted a new chart for every new figure (its element id hashes the
// figure), parsed the figure's JSON twice and drew it twice, first hidden at Plotly's
// default size, then at its width.
const CHUNK = "__CHUNK__"; // Streamlit's Plotly chunk, named by the server
const TEMPLATES = __TEMPLATES__; // the figures' light and dark templates (viz/style.py)
const DRAWN = "bp-chart-drawn"; // sent on the document when a figure is drawn or put back
let loading = null;

// Streamlit's own Plotly: its chunk sets window.Plotly when it runs. Importing the URL that
// Streamlit's index script would import gives the same module, loaded once per visit.
function plotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loading) {
    const index = document.querySelector('script[type="module"][src*="/static/js/index."]');
    const url = new URL(CHUNK, index ? index.src : document.baseURI).href;
    loading = import(url).then(() => window.Plotly);
    loading.catch(() => {
      loading = null; // not loaded (the network): the chart's next figure tries again
    });
  }
  return loading;
}

// Streamlit's chart had a full-screen button, for showing one chart to a room: the chart's
// toolbar gets one (Material's "fullscreen" icon), and the chart fills the screen meanwhile.
const FULL_SCREEN = {
  name: "fullscreen",
  title: "Full screen",
  // The icon's 14-unit square, moved to the corner: as large as the toolbar's other icons.
  icon: {
    width: 14,
    height: 14,
    path: "M7 14H5v5h5v-2H7v-3zm-2-4h2V7h3V5H5v5zm12 7h-3v2h5v-5h-2v3zM14 5v2h3v3h2V5h-5z",
    transform: "translate(-5,-5)",
  },
  click: (gd) => (document.fullscreenElement ? document.exitFullscreen() : gd.requestFullscreen()),
};

// "dark" or "light": the theme of the page around `el`, from its background's brightness.
function pageTheme(el) {
  const bg = getComputedStyle(el).getPropertyValue("--st-background-color").trim();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(bg)?.[1];
  const full = hex?.length === 3 ? [...hex].map((c) => c + c).join("") : hex;
  const rgb = full
    ? [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16))
    : bg
        .match(/[\d.]+/g)
        ?.slice(0, 3)
        .map(Number); // rgb(r, g, b) or rgba(...)
  if (!rgb || rgb.length < 3) return "light";
  return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] < 128 ? "dark" : "light";
}

// The size to draw the chart at: its column's width and the figure's height, or the whole
// screen while it is full screen.
function size(gd) {
  const full = document.fullscreenElement === gd;
  return { width: gd.clientWidth, height: full ? gd.clientHeight : gd.__bpHeight };
}

// Draw the figure waiting for the chart, at the chart's size; a chart without a width (in a
// closed expander) is drawn when it gets one.
function draw(gd) {
  const figure = gd.__bpPending;
  if (!figure || !gd.clientWidth || !window.Plotly) return;
  gd.__bpPending = null;
  Object.assign(figure.layout, size(gd));
  gd.__bpTheme = pageTheme(gd);
  figure.layout.template = TEMPLATES[gd.__bpTheme];
  figure.config.modeBarButtonsToAdd = [FULL_SCREEN];
  window.Plotly.react(gd, figure).then(() => {
    // Drawn hidden and still in its box (not dropped meanwhile): it takes the place of the
    // figure on screen, which is kept.
    const box = gd.parentElement;
    if (box && gd.classList.contains("bp-next")) {
      keep(box, onScreen(box));
      gd.classList.remove("bp-next");
    }
    // The page's transport (transport.js) then moves the new figure to the step it shows.
    document.dispatchEvent(new Event(DRAWN));
  });
}

function resized(gd) {
  if (gd.__bpPending) {
    draw(gd);
    return;
  }
  const want = size(gd);
  const drawn = gd.layout || {};
  if (
    gd._fullLayout &&
    want.width &&
    (want.width !== drawn.width || want.height !== drawn.height)
  ) {
    window.Plotly.relayout(gd, want);
  }
}

// The chart takes the page's theme: the server sends the same figure for both themes, with
// the light template, and Streamlit switches the theme without a rerun.
function followTheme(gd) {
  const theme = pageTheme(gd);
  if (gd._fullLayout && !gd.__bpPending && theme !== gd.__bpTheme) {
    gd.__bpTheme = theme;
    window.Plotly.relayout(gd, { template: TEMPLATES[theme] });
  }
}

// Figures a chart keeps drawn, the one on screen included: a setting changed and changed
// back (depth 2, 3, 2) shows the figure drawn before without Plotly drawing it again. Each
// kept figure holds its frames, so only the last one before is kept.
const KEPT = 2;

// Take `gd` off the page for good, and free what Plotly holds for it.
function drop(gd) {
  gd.remove();
  if (gd.__bpObserver) gd.__bpObserver.disconnect();
  gd.__bpPending = null; // a draw still waiting for Plotly finds nothing to do
  if (gd._fullLayout) window.Plotly.purge(gd);
}

// Put the drawn `gd` aside (out of the page) under its figure, dropping the oldest beyond
// KEPT; a chart not yet drawn is dropped.
function keep(box, gd) {
  if (!gd._fullLayout || gd.__bpPending) {
    drop(gd);
    return;
  }
  gd.remove();
  box.__bpKept.set(gd.__bpText, gd);
  while (box.__bpKept.size > KEPT - 1) {
    const [text, old] = box.__bpKept.entries().next().value;
    box.__bpKept.delete(text);
    drop(old);
  }
}

// A chart box holds the figure on screen and, while a new one is drawn, that one hidden.
const onScreen = (box) => box.querySelector(".bp-plot:not(.bp-next)");
const drawing = (box) => box.querySelector(".bp-next");

// Draw `figure` (its JSON `text`) in `gd` at the chart's width, once Plotly is loaded.
function start(gd, text, figure) {
  gd.__bpText = text;
  // The chart's room is kept from the start: nothing below it moves when Plotly draws.
  gd.__bpHeight = figure.layout.height || 450; // Plotly's default height
  gd.style.height = `${gd.__bpHeight}px`;
  gd.__bpPending = figure;
  if (!gd.__bpObserver) {
    gd.__bpObserver = new ResizeObserver(() => resized(gd));
    gd.__bpObserver.observe(gd);
  }
  plotly().then(() => draw(gd));
}

export default function ({ data, parentElement }) {
  const box = parentElement.querySelector(".bp-chart");
  box.__bpKept = box.__bpKept || new Map(); // figure JSON -> its chart, drawn, off the page
  const text = new TextDecoder().decode(data);
  const next = drawing(box);
  const latest = next || onScreen(box);
  // The same figure again: the page reran for something else, or the viewer switched the
  // theme, which Streamlit tells every component without a rerun. The chart stays at the
  // step the transport moved it to.
  if (text === latest.__bpText) {
    followTheme(latest);
    return;
  }
  const kept = box.__bpKept.get(text);
  if (kept) {
    // Drawn before: back on the page, in the page's theme (its ResizeObserver fits it to
    // the chart's width); the transport moves it to the step it shows.
    box.__bpKept.delete(text);
    if (next) drop(next);
    keep(box, onScreen(box));
    box.appendChild(kept);
    followTheme(kept);
    document.dispatchEvent(new Event(DRAWN));
    return;
  }
  const figure = JSON.parse(text);
  if (next || !latest._fullLayout) {
    // Nothing drawn to keep yet (the first figure, one still waiting for its width, or a
    // new figure still drawing): draw this one there instead.
    start(latest, text, figure);
    return;
  }
  // A new figure is drawn hidden over the chart on screen, and takes its place once
  // drawn: the chart never shows an empty box.
  const hidden = document.createElement("div");
  hidden.className = "bp-plot bp-next";
  box.appendChild(hidden);
  start(hidden, text, figure);
}
