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

st.subheader("The Worked example's notation", divider="gray")
st.markdown("The Worked example follows the articles it comes from, which name things differently:")
st.table(pd.DataFrame(glossary.NOTATION, columns=["Worked example", "Rest of the app", "Meaning"]))
