// Sentences and formulas as the server wrote them (viz/mathml.py), in one block: the browser
// lays out the MathML itself, so a step change replaces one piece of HTML.
export default function ({ data, parentElement }) {
  const box = parentElement.querySelector(".bp-formulas");
  if (box.__bpHtml !== data) {
    box.__bpHtml = data;
    box.innerHTML = data;
  }
}
