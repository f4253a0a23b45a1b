"""Glossary: the words the app uses, each in plain terms, with numbers from the current run."""

import pandas as pd
import streamlit as st

from ui import glossary, layout, runs

run = runs.run()
layout.header(
    "Glossary",
    "The words this app uses, one short definition each. Where it helps, a line below a "
    "definition shows the same idea with the numbers of the network set up in the sidebar.",
)
layout.try_this(
    "Set **Optimizer** to adam: the entry for Adam's m and v shows the two averages of one "
    "real weight."
)
examples = glossary.examples(run)
left, right = st.columns(2, gap="large")
half = (len(glossary.TERMS) + 1) // 2
for col, terms in ((left, glossary.TERMS[:half]), (right, glossary.TERMS[half:])):
    with col:
        for term, definition in terms:
            st.markdown(f"**{term}** · {definition}")
            if term in examples:
                st.caption(f"In this run: {examples[term]}")

st.subheader("See them at work", divider="gray")
SEE = (
    ("app_pages/backward.py", "Backward pass", "δ and the chain rule, with this run's numbers"),
    ("app_pages/update.py", "Update", "learning rate, momentum, Adam's m and v, weight decay"),
    ("app_pages/vanishing.py", "Vanishing gradients", "residual connections and LayerNorm"),
    ("app_pages/local_minima.py", "Local minima", "the same network from many seeds"),
)
for col, (page, label, note) in zip(st.columns(len(SEE)), SEE, strict=True):
    col.page_link(page, label=label)
    col.caption(note)

st.subheader("The Worked example's notation", divider="gray")
st.markdown("The Worked example follows the articles it comes from, which name things differently:")
st.table(pd.DataFrame(glossary.NOTATION, columns=["Worked example", "Rest of the app", "Meaning"]))
