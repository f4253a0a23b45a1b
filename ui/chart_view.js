// A Plotly chart that stays on screen: a new figure for it (a retrain, the other theme) goes
// through Plotly.react into the chart already drawn, which redraws only what changed.
// st.plotly_chart mounted a new chart for every new figure (its element id hashes the
// figure), parsed the figure's JSON twice and drew it twice, first hidden at Plotly's default
// size, then at its width.
const CHUNK = "__CHUNK__"; // Streamlit's Plotly chunk, named by the server
let loading = null;

// Streamlit's own Plotly: its chunk sets window.Plotly when it runs. Importing the URL that
// Streamlit's index script would import gives the same module, loaded once per visit.
function plotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loading) {
    const index = document.querySelector('script[type="module"][src*="/static/js/index."]');
    const url = new URL(CHUNK, index ? index.src : document.baseURI).href;
    loading = import(url).then(() => window.Plotly);
  }
  return loading;
}

// Draw the figure waiting for the chart, at the chart's width; a chart without a width (in a
// closed expander) is drawn when it gets one.
function draw(gd) {
  const figure = gd.__bpPending;
  const width = gd.clientWidth;
  if (!figure || !width || !window.Plotly) return;
  gd.__bpPending = null;
  figure.layout.width = width;
  window.Plotly.react(gd, figure);
}

function resized(gd) {
  if (gd.__bpPending) {
    draw(gd);
    return;
  }
  const width = gd.clientWidth;
  if (width && gd._fullLayout && width !== gd.layout.width) {
    window.Plotly.relayout(gd, { width });
  }
}

export default function ({ data, parentElement }) {
  const gd = parentElement.querySelector(".bp-plot");
  const text = new TextDecoder().decode(data);
  // The same figure again (the page reran for something else): the chart stays as it is,
  // at the step the transport moved it to.
  if (text === gd.__bpText) return;
  gd.__bpText = text;
  const figure = JSON.parse(text);
  // The chart's room is kept from the start: nothing below it moves when Plotly draws.
  gd.style.height = `${figure.layout.height || 450}px`;
  gd.__bpPending = figure;
  if (!gd.__bpObserver) {
    gd.__bpObserver = new ResizeObserver(() => resized(gd));
    gd.__bpObserver.observe(gd);
  }
  plotly().then(() => draw(gd));
}
