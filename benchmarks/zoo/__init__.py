"""A labelled bug zoo: small Keras training programs modelled on the "predicts the same value for everything"
questions people post, each saved with its data and a label measured on the saved model (Keras and numpy only,
never keras-inspector), so that `bench_truth.py` can score the diagnosis against the truth.

`build.py` builds the cases into a cache folder; `case.py` says what a case is; `cases_*.py` hold the programs;
`measure.py` and `label.py` turn a saved model into its label; `score.py` compares a diagnosis with a label.
"""
