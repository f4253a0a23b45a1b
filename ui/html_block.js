// HTML the server wrote (viz/mathml.py, viz/tables.py), in one element: a step change
// replaces one piece of HTML, and the browser lays out its MathML and tables itself.
export default function ({ data, parentElement }) {
  const box = parentElement.querySelector(".bp-html");
  if (box.__bpHtml !== data) {
    box.__bpHtml = data;
    box.innerHTML = data;
  }
}
