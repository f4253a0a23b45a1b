// Streamlit draws a chart it has just mounted twice: first before it knows the chart's
// width (at Plotly's default size, mostly hidden), then again at that width. A setting that
// retrains mounts every chart of the run anew (a chart's element id hashes its figure), so
// each was drawn whole twice. Here the hidden draw becomes an empty one: it still sets the
// chart up, and Streamlit's second call draws the figure, once, at its width.
function wrap(plotly) {
  if (!plotly || plotly.react.__bpSized) return;
  const react = plotly.react;
  const sized = function (gd, ...args) {
    const figure = args[0] || {};
    const layout = figure.layout || args[1] || {};
    // A chart not drawn yet, and no width: Streamlit has not measured it (every chart of
    // the app fills its column, so its real draw always names a width).
    if (!gd || gd._fullLayout || layout.width !== undefined) {
      return react.apply(this, [gd, ...args]);
    }
    const config = figure.config || args[2];
    const empty = { data: [], layout: { height: layout.height }, config };
    return react.call(this, gd, empty).then((drawn) => {
      // What Streamlit keeps of the chart when it is drawn (and restores if the same figure
      // comes back) is the figure, not the empty one: were the chart gone before its real
      // draw, it would come back with its traces. Plotly compares what it drew, not these.
      gd.data = figure.data || args[0];
      gd.layout = layout;
      return drawn;
    });
  };
  sized.__bpSized = true;
  plotly.react = sized;
}

// Streamlit loads Plotly with the first chart of a visit and sets window.Plotly then.
function install() {
  if (window.__bpSizer) return;
  window.__bpSizer = true;
  if (window.Plotly) {
    wrap(window.Plotly);
    return;
  }
  let plotly;
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get: () => plotly,
    set: (value) => {
      plotly = value;
      wrap(value);
    },
  });
}

export default function () {
  install();
}
